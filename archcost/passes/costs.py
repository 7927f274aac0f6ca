"""Costs: parameters, multiply-add FLOPs and activation memory of every node.

Runs after :func:`~archcost.passes.shapes.infer_shapes`. Counts are exact
Python integers; memory is output elements x bytes per element x batch / 1024
(KB), and 0 for in-place ops, which overwrite their input.

>>> from archcost.spec import zoo, load_graph
>>> from archcost.passes import infer_shapes
>>> g = load_graph(zoo.find("alexnet")[0]); _ = infer_shapes(g)
>>> compute_costs(g)
>>> g.nodes["conv1"]["params"], g.nodes["conv1"]["flops"], g.nodes["conv1"]["memory_kb"]
(23296, 73056256, 784.0)
"""

from __future__ import annotations

import networkx as nx

from ..arith import prod
from ..conventions import Conventions
from ..ops import get_op


def compute_costs(g: nx.DiGraph, conv: Conventions = Conventions()) -> None:
    scale = conv.bytes_per_element * conv.batch / conv.kb
    for name, data in g.nodes(data=True):
        op = get_op(data["op"])
        a, ins, out = data["attrs"], data["input_shapes"], data["shape"]
        if op.kind == "io":
            data.update(params=0, flops=0, memory_kb=0.0)
            continue
        data["params"] = int(op.params(a, ins, out))
        data["flops"] = int(op.flops(a, ins, out, conv.bias_flops)) * conv.batch
        data["memory_kb"] = 0.0 if op.inplace else prod(out) * scale
