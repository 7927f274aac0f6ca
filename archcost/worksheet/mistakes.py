"""The mistakes students really make, as data: each recomputes a cell by the op's own rules
with one thing changed (an attribute, a convention, the shapes it reads).

A table blank's key carries, for every mistake that gives a different figure,
that figure; the grader names the mistake whose figure a wrong answer matches,
in each student's feedback and in the class summary. Nothing here knows an op:
a mistake that changes an attribute the op does not have does not apply to it.

>>> import archcost
>>> r = archcost.analyze("alexnet")
>>> dict(mistaken_values(r, r.layer("conv1"), "memory"))["KB taken as 1000 bytes"]
802.816
>>> dict(mistaken_values(r, r.layer("conv1"), "params"))["bias forgotten"]
23232
>>> dict(mistaken_values(r, r.layer("pool1"), "hw_out"))["the floor not taken"]
28
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..errors import ArchcostError
from ..ops import get_op
from ..passes.costs import layer_costs


def _as_output(ins, out):
    """The input's shape used where the output's belongs."""
    return ins, tuple(ins[0])


def _own_channels(ins, out):
    """The layer's own output channels used as its input channels (the channels of the wrong layer)."""
    return [(out[0],) + tuple(ins[0][1:])] + list(ins[1:]), None


SHAPES = {"input-as-output": _as_output, "wrong-channels": _own_channels}


@dataclass(frozen=True)
class Mistake:
    name: str                                    # as the feedback names it (a msgid of the catalogs)
    attrs: dict = field(default_factory=dict)    # the layer's attributes changed (skipped if the op has none)
    conventions: dict = field(default_factory=dict)
    shapes: str = ""                             # a key of SHAPES: the shapes the rules read, changed
    cells: tuple = ("c_out", "hw_out", "memory", "params", "flops")   # the cells it can explain


MISTAKES = (
    Mistake("the bias add forgotten", conventions={"bias_flops": False}, cells=("flops",)),
    Mistake("bias forgotten", attrs={"bias": False}, cells=("params", "flops")),
    Mistake("a bias counted where there is none", attrs={"bias": True}, cells=("params", "flops")),
    Mistake("KB taken as 1000 bytes", conventions={"kb": 1000}, cells=("memory",)),
    Mistake("the 4 bytes per element forgotten", conventions={"dtype": "int8"}, cells=("memory",)),
    Mistake("the bias add counted", conventions={"bias_flops": True}, cells=("flops",)),
    Mistake("the floor not taken", attrs={"ceil_mode": True}, cells=("hw_out", "memory", "flops")),
    Mistake("input size used instead of output", shapes="input-as-output", cells=("memory", "flops")),
    Mistake("channels of the wrong layer", shapes="wrong-channels", cells=("params", "flops")),
    Mistake("depthwise counted as a full conv", attrs={"groups": 1}, cells=("params", "flops")),
)


def _value(layer_out, costs, key):
    params, flops, memory = costs
    if key == "c_out":
        return layer_out[0]
    if key == "hw_out":
        return layer_out[1] if layer_out[1] == layer_out[2] else f"{layer_out[1]}x{layer_out[2]}"
    return {"memory": float(memory), "params": int(params), "flops": int(flops)}[key]


def recompute(layer, mistake: Mistake, conventions):
    """The layer's (output shape, (params, flops, memory KB)) under ``mistake``, or None when the
    mistake does not apply to its op (no such attribute, the same value, or an invalid layer)."""
    op = get_op(layer.op)
    attrs = dict(layer.attrs)
    for k, v in mistake.attrs.items():
        if k not in op.attrs or attrs.get(k) == v:
            return None
        attrs[k] = v
    conv = replace(conventions, **mistake.conventions)
    if conv == conventions and not mistake.attrs and not mistake.shapes:
        return None
    ins = [tuple(s) for s in layer.input_shapes]
    try:
        out = tuple(int(d) for d in op.shape(attrs, ins)) if mistake.attrs else tuple(layer.output_shape)
        counted_out = out
        if mistake.shapes:
            ins, changed = SHAPES[mistake.shapes](ins, out)
            counted_out = changed or out
            if changed:
                out = changed
        costs = layer_costs(op, attrs, ins, counted_out, conv)
    except (ArchcostError, ValueError, TypeError, ZeroDivisionError, IndexError, KeyError):
        return None
    return out, costs


def mistaken_values(report, row, key: str) -> list[tuple[str, object]]:
    """(mistake, the cell's value under it) for the table row ``row``'s cell ``key`` (c_out, hw_out,
    memory, params, flops): the row's own layer recomputed, its folded layers as they are."""
    from ..render.table import channels

    if len(row.output_shape) != 3 and key in ("c_out", "hw_out"):
        return []
    main = report.layer(row.name)
    folded = [report.layer(n) for n in row.folded]
    out = []
    for m in MISTAKES:
        if key not in m.cells:
            continue
        got = recompute(main, m, report.conventions)
        if got is None:
            continue
        shape, costs = got
        if key == "c_out":
            v = channels(shape)
        elif len(shape) != 3 and key == "hw_out":
            continue
        else:
            v = _value(shape, costs, key)
        if key in ("memory", "params", "flops"):
            v = v + sum(getattr(f, {"memory": "memory_kb"}.get(key, key)) for f in folded)
        right = {"c_out": channels(row.output_shape), "memory": row.memory_kb, "params": row.params,
                 "flops": row.flops}.get(key)
        if key == "hw_out":
            right = _value(row.output_shape, (0, 0, 0), "hw_out")
        if v != right:
            out.append((m.name, v))
    return out


def carried(row, key: str, exact, blanks) -> tuple:
    """For a memory or FLOPs blank whose row also asks its output shape (c_out, hw_out in
    ``blanks``): (those cells, the value per output element, the right shape), so that a student's own wrong shape
    can be carried forward. () when the value is not a whole multiple of the output elements."""
    from fractions import Fraction

    if key not in ("memory", "flops") or not {"c_out", "hw_out"} & set(blanks) or len(row.output_shape) != 3:
        return ()
    c, h, w = row.output_shape
    if h != w:
        return ()
    per = Fraction(repr(exact) if isinstance(exact, float) else exact) / (c * h * w)
    cells = tuple(f"{row.name}.{k}" for k in ("c_out", "hw_out") if k in blanks)
    return (cells, float(per), (c, h, w)) if float(per) * c * h * w == exact else ()


def mistaken_total(report, names, key: str) -> tuple:
    """(mistake, value) for a sum over ``names``' layers of ``report`` (memory, params or flops): an
    exercise's total, each layer recomputed under the mistake where it applies."""
    field_ = {"memory": "memory_kb"}.get(key, key)
    layers = [report.layer(n) for n in names]
    right = sum(getattr(x, field_) for x in layers)
    out = []
    for m in MISTAKES:
        if key not in m.cells:
            continue
        total, changed = 0, False
        for x in layers:
            got = recompute(x, m, report.conventions)
            if got is None:
                total += getattr(x, field_)
            else:
                total += _value(*got, key)
                changed = True
        if changed and total != right:
            out.append((m.name, total))
    return tuple(out)


def carried_in(report, row, above) -> dict | None:
    """What the grader needs to recompute ``row`` from a student's own (wrong) output of the row
    above it (the cells ``above``: its C out and H/W out blanks): the op, its attributes, the
    input shape and the conventions. None for a row of several inputs or with costly folded layers."""
    from dataclasses import asdict

    folded = [report.layer(n) for n in row.folded]
    if not above or len(row.input_shapes) != 1 or len(row.input_shape) != 3 or any(f.params or f.flops for f in folded):
        return None
    attrs = {k: list(v) if isinstance(v, tuple) else v for k, v in dict(row.attrs).items()}
    return {"cells": list(above), "op": row.op, "attrs": attrs, "input": list(row.input_shape),
            "conventions": asdict(report.conventions)}


def recompute_from(carry: dict, own_input) -> dict | None:
    """A row's cells (c_out, hw_out, memory, params, flops) recomputed by its op's rules on the
    student's own input shape; None when that input is not one the op takes."""
    from ..conventions import Conventions

    op = get_op(carry["op"])
    try:
        a = op.coerce(carry["attrs"])
        ins = [tuple(int(d) for d in own_input)]
        out = tuple(int(d) for d in op.shape(a, ins))
        costs = layer_costs(op, a, ins, out, Conventions(**carry["conventions"]))
    except (ArchcostError, ValueError, TypeError, ZeroDivisionError, KeyError):
        return None
    if len(out) != 3:
        return None
    return {k: _value(out, costs, k) for k in ("c_out", "hw_out", "memory", "params", "flops")}
