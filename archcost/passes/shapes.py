"""Shape inference: every node's output shape, in topological order.

Writes ``shape``, ``input_shapes`` and ``layout`` (the output's axes, e.g. ``CHW``, ``HWC``,
``LD`` for tokens x dim) on each node; returns the warnings (divisions that are not exact and
drop input rows). An op that reads one layout (conv: C x H x W) gets a clear error with the
permute that fixes it when its input has another of the same rank.

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
from ..ops.base import LAYOUTS, MAX_ELEMENTS, show_big


def infer_shapes(g: nx.DiGraph) -> list[Warning_]:
    warnings: list[Warning_] = []
    shapes: dict[str, tuple] = {}
    layouts: dict[str, str] = {}
    # Rules are pure: a layer with the same op, attributes and input shapes as one already seen
    # (every copy of a repeated block) gets the same shape and the same warnings, re-located.
    # Attributes are keyed by identity: the loader hands identical attributes one shared object.
    seen: dict[tuple, tuple] = {}
    for name, data in walk(g):
        ins = tuple(shapes[i] for i in data["inputs"])
        lays = tuple(layouts[i] for i in data["inputs"])
        key = (data["op"], id(data["attrs"]), ins, lays)
        known = seen.get(key)
        if known is None:
            known = seen[key] = _shape(data, ins, lays, name)
        shape, messages, layout = known
        if messages:
            warnings.extend(Warning_(m, name, data.get("file"), data.get("line")) for m in messages)
        data["shape"] = shapes[name] = shape
        data["layout"] = layouts[name] = layout
        data["input_shapes"] = ins
    g.graph["warnings"] = warnings
    return warnings


def _check_layouts(op, ins: tuple, lays: tuple) -> None:
    """An input of the rank the op reads but another layout (H x W x C into a conv) is an error."""
    for shape, lay in zip(ins, lays):
        want = [w for w in op.accepts if len(w) == len(shape)]
        if want and lay not in want:
            fix = ("add a permute layer with dims [" + ", ".join(str(lay.index(c)) for c in want[0]) + "] before it"
                   if sorted(lay) == sorted(want[0]) else "add a reshape or permute layer before it")
            got = LAYOUTS.get(lay, lay or "an unnamed layout")
            raise ArchcostError(f"op '{op.name}' reads {LAYOUTS[want[0]]}, got {got} "
                                f"({'x'.join(map(str, shape))})", fix)


def _shape(data: dict, ins: tuple, lays: tuple, name: str) -> tuple:
    """One layer's output shape, warning messages and layout from its op's rules, checked."""
    where = dict(file=data.get("file"), line=data.get("line"), layer=name)
    messages: list[str] = []
    op = get_op(data["op"])
    try:
        if op.accepts:
            _check_layouts(op, ins, lays)
        shape = tuple(op.shape(data["attrs"], list(ins), messages.append))
        layout = op.layout(data["attrs"], lays, shape)
    except ArchcostError as exc:
        raise exc.located(**where)
    if any(d <= 0 for d in shape):
        raise ArchcostError(f"the output would be empty ({'x'.join(map(str, shape))})",
                            "use a larger input or fewer downsampling layers", **where)
    if prod(shape) > MAX_ELEMENTS:  # a concat of itself doubles: 2**64 is a mistake, not a network
        raise ArchcostError(f"the output has {show_big(prod(shape))} elements, more than the limit of 2**64",
                            "use realistic sizes", **where)
    return shape, messages, layout
