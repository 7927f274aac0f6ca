"""Shape inference: every node's output shape, in topological order.

Writes ``shape`` and ``input_shapes`` on each node; returns the warnings
(divisions that are not exact and drop input rows).

>>> from archcost.spec import zoo, load_graph
>>> g = load_graph(zoo.find("alexnet")[0])
>>> warnings = infer_shapes(g)
>>> g.nodes["conv1"]["shape"], g.nodes["pool1"]["shape"]
((64, 56, 56), (64, 27, 27))
"""

from __future__ import annotations

import networkx as nx

from ..arith import prod
from ..errors import ArchcostError, Warning_
from ..ir import validate
from ..ops import get_op
from ..ops.base import MAX_ELEMENTS, show_big


def infer_shapes(g: nx.DiGraph) -> list[Warning_]:
    warnings: list[Warning_] = []
    nodes = dict(g.nodes(data=True))  # plain dict lookups: networkx's views are slow per node
    for name in validate(g):
        data = nodes[name]
        ins = [nodes[i]["shape"] for i in data["inputs"]]
        where = dict(file=data.get("file"), line=data.get("line"), layer=name)
        warn = lambda msg, w=where: warnings.append(Warning_(msg, w["layer"], w["file"], w["line"]))  # noqa: E731
        try:
            shape = tuple(get_op(data["op"]).shape(data["attrs"], ins, warn))
        except ArchcostError as exc:
            raise exc.located(**where)
        if any(d <= 0 for d in shape):
            raise ArchcostError(f"the output would be empty ({'x'.join(map(str, shape))})",
                                "use a larger input or fewer downsampling layers", **where)
        if prod(shape) > MAX_ELEMENTS:  # a concat of itself doubles: 2**64 is a mistake, not a network
            raise ArchcostError(f"the output has {show_big(prod(shape))} elements, more than the limit of 2**64",
                                "use realistic sizes", **where)
        data["shape"] = shape
        data["input_shapes"] = tuple(ins)
    g.graph["warnings"] = warnings
    return warnings
