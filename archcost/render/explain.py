"""`archcost explain`: the worked arithmetic of a layer, step by step, as the lecture writes it.

Nothing here knows a formula. The layer's own op rules (shape, params, flops)
and the costs pass's :func:`~archcost.passes.costs.layer_costs` are run again
on :class:`~archcost.arith.Term` values built from the layer's input shapes and
attributes, and the terms' texts and steps are printed: an explanation cannot
drift from the number it explains, and every op, including ones registered
later, explains itself.

>>> import archcost
>>> print(explain_layer(archcost.analyze("alexnet"), "conv1"))
conv1 (conv): 2-D convolution: out filters of kernel K over C_in/groups channels
  input            3x227x227; out 64, kernel 11, stride 4, pad 2
  H', W'           (227 + 2 x 2 - 11) / 4 + 1 = 56
  output elements  64 x 56 x 56 = 200,704
  memory (KB)      200,704 x 4 / 1,024 = 784
  parameters       64 x 3 x 11 x 11 + 64 = 23,296
  FLOPs            200,704 x (3 x 11 x 11 + 1) = 200,704 x 364 = 73,056,256
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..arith import Term, fmt, value
from ..counting import layer_rule
from ..errors import one_line
from ..ops import get_op
from ..ops.base import REQUIRED, show_pair
from ..passes.costs import layer_costs
from ..report import Layer, Report
from .formats import emit
from .table import describe
from .units import memory_term, units_note

HEADERS = ["layer", "quantity", "working", "value"]


@dataclass(frozen=True)
class Working:
    """One layer's explanation: ``lines`` of (quantity, worked arithmetic, value)."""

    layer: str
    op: str
    doc: str
    lines: tuple
    notes: tuple

    def to_dict(self) -> dict:
        return {"layer": self.layer, "op": self.op, "doc": self.doc, "notes": list(self.notes),
                "lines": [{"quantity": q, "working": w, "value": _plain(v)} for q, w, v in self.lines]}


def _plain(v):
    """A worked value as json and csv hold it: 784 (an exact Fraction) -> 784, 182.25 stays a float."""
    if isinstance(v, (int, str)):
        return v
    return int(v) if v == int(v) else float(v)


def _term(v):
    """Attributes and shapes as terms: ints (not bools) become Term atoms, tuples element-wise."""
    if isinstance(v, bool) or not isinstance(v, (int, tuple)):
        return v
    return tuple(_term(x) for x in v) if isinstance(v, tuple) else Term(v)


def _atoms(shape) -> tuple:
    """A fresh term per dimension: the next rule starts from the numbers, not their history."""
    return tuple(Term(value(d)) for d in shape)


def _attr_text(op, attrs) -> str:
    """The attributes that differ from the op's defaults: 'out 64, kernel 11, stride 4, pad 2'."""
    shown = []
    for key, spec in op.attrs.items():
        v = attrs.get(key)
        default = None if spec.default is REQUIRED else spec.coerce(key, spec.default)
        if spec.default is REQUIRED or v != default:
            v = str(v).lower() if isinstance(v, bool) else show_pair(v)
            shown.append(f"{key} {fmt(v) if isinstance(v, int) else v}")
    return ", ".join(shown)


def _dim_names(rank: int) -> list[str]:
    return ["C'", "H'", "W'"] if rank == 3 else ["N'"] if rank == 1 else [f"dim {i}'" for i in range(rank)]


def _shape_lines(out) -> list[tuple]:
    """'H', W'  (227 + 2 x 2 - 11) / 4 + 1 = 56' for each output dimension that was worked out."""
    lines: list[tuple] = []
    for name, d in zip(_dim_names(len(out)), out):
        d = d if isinstance(d, Term) else Term(d)
        if d.text == fmt(d.value):
            continue
        if lines and lines[-1][1] == d.result():   # H and W worked out alike
            lines[-1] = (f"{lines[-1][0]}, {name}", lines[-1][1], lines[-1][2])
        else:
            lines.append((name, d.result(), d.value))
    return lines


def work(layer: Layer, report: Report, units: str = "KB", train: bool = False) -> Working:
    """Run ``layer``'s rules on terms and collect the worked lines.

    >>> import archcost
    >>> w = work(archcost.analyze("alexnet").layer("pool1"), archcost.analyze("alexnet"))
    >>> [line[1] for line in w.lines if line[0] == "H', W'"]
    ['floor((56 - 3) / 2 = 26.5) + 1 = 27']
    """
    op = get_op(layer.op)
    a = {k: _term(v) for k, v in layer.attrs.items()}
    ins = [_atoms(s) for s in layer.input_shapes]
    notes: list[str] = []
    out = op.shape(a, ins, notes.append)
    lines = [("input", "; ".join(filter(None, [", ".join("x".join(map(fmt, s)) for s in layer.input_shapes),
                                                 _attr_text(op, layer.attrs)])), "")]
    lines += _shape_lines(out)
    params, flops, memory = layer_costs(op, a, ins, _atoms(out), report.conventions)
    if layer.tied:   # weights that are another layer's are counted there (passes/ties.py)
        from ..passes.ties import tied_text, untied
        params = untied(params if isinstance(params, Term) else Term(params), layer.tied)
        notes.append(f"tied: {tied_text(layer.tied)}, counted there, not here")
    seen = set()
    for label, t in ((f"memory ({units})", memory_term(memory, units)), ("parameters", params), ("FLOPs", flops)):
        t = t if isinstance(t, Term) else Term(t)
        for step in t.steps:
            if step not in seen:
                seen.add(step)
                lines.append((step[0] or "step", step[1], ""))
        lines.append((label, t.result(), t.value))
    conv = report.conventions
    if conv.counting.rules:   # a tool's convention: say which of its rules counted this layer
        rule, _ = layer_rule(conv.counting, op, layer.attrs, layer.input_shapes, layer.output_shape)
        notes.append(f"FLOPs under {conv.convention}: {rule.text()} ({rule.why})"
                     + ("; x 2 for FLOPs" if conv.flop_factor != 1 else ""))
    if op.inplace:
        notes.append("in place: it overwrites its input, so it has no memory of its own")
    if train:   # what it saves for backward, its backward FLOPs (render/memory.py)
        from .memory import train_working
        more, more_notes = train_working(layer, report, a, ins, _atoms(out))
        shown = {(q, w) for q, w, _ in lines}
        lines += [line for line in more if (line[0], line[1]) not in shown]
        notes += more_notes
    return Working(layer.name, layer.op, op.doc, tuple(lines), tuple(notes))


def _find(report: Report, name: str) -> Layer:
    return report.layer(name)


def _text(w: Working) -> str:
    width = max(len(q) for q, _, _ in w.lines) + 2
    body = [one_line(f"{w.layer} ({w.op}): {w.doc}")]
    body += [f"  {q:<{width - 2}}  {text}".rstrip() for q, text, _ in w.lines]
    body += [f"  note: {n}" for n in w.notes]
    return "\n".join(body)


def explain_layer(report: Report, name: str, units: str = "KB") -> str:
    """The worked arithmetic of one layer as text (see the module docstring for conv1).

    >>> import archcost
    >>> print(explain_layer(archcost.analyze("alexnet", bias_flops=False), "conv1").splitlines()[-1])
      FLOPs            200,704 x 3 x 11 x 11 = 200,704 x 363 = 72,855,552
    """
    return _text(work(_find(report, name), report, units))


def footer(report: Report, units: str = "KB", train: bool = False) -> str:
    c = report.conventions
    flops = c.flops_text()
    batch = f"; memory and FLOPs x batch {c.batch}" if c.batch != 1 else ""
    saved = ("; saved for backward: elements x bytes (indices int64 8, masks 1, batch norm's per-channel "
             "vectors float32 4) x batch, each storage counted once, at the first layer that saves it; backward "
             "FLOPs: multiply-adds" if train else "")
    return (f"FLOPs: {flops}; memory: output elements x {c.bytes_per_element} bytes ({c.dtype}); "
            f"{units_note(units)}{batch}{saved}")


def render_explain(report: Report, names=(), fmt: str = "text", units: str = "KB", train: bool = False) -> str:
    """Explain the named layers (all layers when ``names`` is empty) in any report format.

    >>> import archcost
    >>> print(render_explain(archcost.analyze("alexnet"), ["fc8"], "csv"), end="")
    layer,quantity,working,value
    fc8,input,"4,096; out 1,000",
    fc8,memory (KB),"1,000 x 4 / 1,024 = 3.90625",3.90625
    fc8,parameters,"1,000 x 4,096 + 1,000 = 4,097,000",4097000
    fc8,FLOPs,"1,000 x (4,096 + 1) = 1,000 x 4,097 = 4,097,000",4097000
    """
    layers = [_find(report, n) for n in names] if names else list(report.layers)
    works = [work(x, report, units, train) for x in layers]
    if fmt == "json":
        doc = {"network": report.network, "conventions": report.conventions.to_dict(), "units": units,
               "layers": [w.to_dict() for w in works]}
        return json.dumps(doc, indent=2) + "\n"
    if fmt == "text":
        return "\n\n".join([describe(report)] + [_text(w) for w in works] + [footer(report, units, train)]) + "\n"
    rows = [[w.layer, q, t, _plain(v)] for w in works for q, t, v in w.lines]
    rows += [[w.layer, "note", n, ""] for w in works for n in w.notes]
    return emit(HEADERS, rows, fmt, title=describe(report) if fmt != "csv" else None,
                notes=[footer(report, units, train)] if fmt != "csv" else ())
