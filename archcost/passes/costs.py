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

from ..arith import elements
from ..conventions import Conventions
from ..counting import layer_flops
from ..ops import get_op


def layer_costs(op, a, ins, out, conv: Conventions = Conventions()) -> tuple:
    """One layer's (params, flops, memory in KB): its op's rules, the batch and the bytes per element.

    Fed :class:`~archcost.arith.Term` shapes and attributes, it returns the worked arithmetic
    (``archcost explain``); on ints, exact counts.

    >>> from archcost.ops import get_op
    >>> conv = get_op("conv")
    >>> layer_costs(conv, conv.coerce({"out": 64, "kernel": 11, "stride": 4, "pad": 2}), [(3, 227, 227)], (64, 56, 56))
    (23296, 73056256, 784.0)
    """
    params = op.params(a, ins, out)
    flops = layer_flops(conv.counting, op, a, ins, out, conv.bias_flops)
    if conv.flop_factor != 1:
        flops = conv.flop_factor * flops
    if conv.batch != 1:
        flops = flops * conv.batch
    if op.inplace:
        return params, flops, 0.0
    return params, flops, memory_bytes(op, out, conv) / conv.kb


def memory_bytes(op, out, conv: Conventions = Conventions()):
    """A layer's activation memory in bytes, exactly: output elements x bytes per element x batch
    (0 for an in-place op). KB is this / 1024, a float only where JSON needs one.

    >>> from archcost.ops import get_op
    >>> memory_bytes(get_op("conv"), (64, 56, 56)), memory_bytes(get_op("conv"), (2**52,), Conventions(dtype="int8"))
    (802816, 4503599627370496)
    """
    if op.inplace:
        return 0
    memory = elements(out) * conv.bytes_per_element
    return memory * conv.batch if conv.batch != 1 else memory


def compute_costs(g: nx.DiGraph, conv: Conventions = Conventions()) -> None:
    seen: dict[tuple, dict] = {}  # the rules are pure: copies of a repeated block cost the same
    for name, data in g.nodes(data=True):
        key = (data["op"], id(data["attrs"]), data["input_shapes"], data["shape"])
        costs = seen.get(key)
        if costs is None:
            op = get_op(data["op"])
            if op.kind == "io":
                costs = dict(params=0, flops=0, memory_kb=0.0, memory_bytes=0)
            else:
                params, flops, _ = layer_costs(op, data["attrs"], data["input_shapes"], data["shape"], conv)
                nbytes = int(memory_bytes(op, data["shape"], conv))
                costs = dict(params=int(params), flops=int(flops), memory_kb=nbytes / conv.kb, memory_bytes=nbytes)
            seen[key] = costs
        data.update(costs)
    if g.graph.get("ties"):   # layers whose weights are another's (passes/ties.py)
        from .ties import tie_weights
        tie_weights(g)
