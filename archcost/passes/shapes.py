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
from ..ir import walk
from ..ops import get_op
from ..ops.base import MAX_ELEMENTS, show_big


def infer_shapes(g: nx.DiGraph) -> list[Warning_]:
    warnings: list[Warning_] = []
    shapes: dict[str, tuple] = {}
    # Rules are pure: a layer with the same op, attributes and input shapes as one already seen
    # (every copy of a repeated block) gets the same shape and the same warnings, re-located.
    # Attributes are keyed by identity: the loader hands identical attributes one shared object.
    seen: dict[tuple, tuple] = {}
    for name, data in walk(g):
        ins = tuple(shapes[i] for i in data["inputs"])
        key = (data["op"], id(data["attrs"]), ins)
        known = seen.get(key)
        if known is None:
            known = seen[key] = _shape(data, ins, name)
        shape, messages = known
        if messages:
            warnings.extend(Warning_(m, name, data.get("file"), data.get("line")) for m in messages)
        data["shape"] = shapes[name] = shape
        data["input_shapes"] = ins
    g.graph["warnings"] = warnings
    return warnings


def _shape(data: dict, ins: tuple, name: str) -> tuple:
    """One layer's output shape and warning messages from its op's rule, checked."""
    where = dict(file=data.get("file"), line=data.get("line"), layer=name)
    messages: list[str] = []
    try:
        shape = tuple(get_op(data["op"]).shape(data["attrs"], list(ins), messages.append))
    except ArchcostError as exc:
        raise exc.located(**where)
    if any(d <= 0 for d in shape):
        raise ArchcostError(f"the output would be empty ({'x'.join(map(str, shape))})",
                            "use a larger input or fewer downsampling layers", **where)
    if prod(shape) > MAX_ELEMENTS:  # a concat of itself doubles: 2**64 is a mistake, not a network
        raise ArchcostError(f"the output has {show_big(prod(shape))} elements, more than the limit of 2**64",
                            "use realistic sizes", **where)
    return shape, messages
