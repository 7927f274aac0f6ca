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
    # Rules are pure: a layer with the same op, attributes and input shapes as one already seen
    # (every copy of a repeated block) gets the same shape and the same warnings, re-located.
    # Attributes are keyed by identity: the loader hands identical attributes one shared object.
    seen: dict[tuple, tuple] = {}
    for name in validate(g):
        data = nodes[name]
        ins = [nodes[i]["shape"] for i in data["inputs"]]
        key = (data["op"], id(data["attrs"]), tuple(ins))
        if key not in seen:
            messages: list[str] = []
            try:
                seen[key] = (tuple(get_op(data["op"]).shape(data["attrs"], ins, messages.append)), messages)
            except ArchcostError as exc:
                raise exc.located(file=data.get("file"), line=data.get("line"), layer=name)
        shape, messages = seen[key]
        where = dict(file=data.get("file"), line=data.get("line"), layer=name)
        warnings.extend(Warning_(m, name, where["file"], where["line"]) for m in messages)
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
