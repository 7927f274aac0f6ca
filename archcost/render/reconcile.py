"""`archcost reconcile` and `archcost conventions`: why FLOP figures disagree, in tables.

>>> print(render_conventions("text").splitlines()[0])
lecture: EECS 498-007 lecture 8 (J. Johnson), AlexNet table; archcost's default
"""

from __future__ import annotations

import json

from .formats import emit

MAX_CHANGES = 12   # layers listed per published figure whose settings differ from ours


def _n(x) -> str:
    return f"{x:,}" if isinstance(x, int) else ("-" if x is None else str(x))


def _signed(x: int) -> str:
    return f"{x:+,}"


def _share(f) -> str:
    """How far ours is from the published figure: '+2.0%'; '' for shapes."""
    from ..published import figure_value

    if not isinstance(f.ours, int) or f.quantity == "shape":
        return ""
    value, _ = figure_value(f.published)
    return f"{(f.ours - value) / value:+.1%}" if value else ""


def render_reconcile(r, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(r.to_dict(), indent=2) + "\n"
    table = "markdown" if fmt == "markdown" else "text"
    shown = "x".join(map(str, r.input))
    parts = [emit(["convention", "multiply-adds", f"vs {r.conventions[1].name}", "tool (version, function)"],
                  [[c.name, _n(c.total), _signed(c.total - r.conventions[1].total), c.tool] for c in r.conventions],
                  table, title=f"reconcile {r.network}: {r.title}, input {shown}\nour figure under each convention")]
    rows = []
    for c in r.conventions:
        for d in c.items:
            rows.append([c.name, d.op, str(d.layers), _signed(d.difference), d.rule, d.why])
    if rows:
        parts.append(emit(["convention", "op", "layers", "difference", "counts", "why"], rows, table,
                          title=f"each convention's difference from {r.conventions[1].name} (conv, fc and "
                                f"linear multiply-adds, attention's matmuls), by op"))
    if not r.figures:
        parts.append("no published figures recorded in the spec for this network\n")
        return "\n".join(parts)
    rows = []
    for f in r.figures:
        what = f.quantity + (f" of {f.layer}" if f.layer else "") + (f" ({f.counted})" if f.counted else "")
        rows.append([f.source, what, f.published, _n(f.ours), _share(f), f.status])
    parts.append(emit(["source", "figure", "published", "ours", "ours vs published", "status"], rows, table,
                      title="published figures (agrees: within one unit of the last printed digit)"))
    notes = []
    for f in r.figures:
        if f.agrees and f.default is None and not f.note:
            continue
        head = f"- {f.source}, {f.quantity}" + (f" of {f.layer}" if f.layer else "") + f": {f.published}"
        lines = [head]
        if f.default is not None:
            gap = f.default - f.ours if isinstance(f.ours, int) and isinstance(f.default, int) else None
            lines.append(f"  ours is {_n(f.ours)} counted as the source counts ({f.counted}); "
                         f"{_n(f.default)} in our network as shipped" + (f" ({_signed(gap)})" if gap else ""))
            for ch in f.changes[:MAX_CHANGES]:
                lines.append(f"    {ch.layer} ({ch.op}): {_n(ch.ours)} as shipped, {_n(ch.source)} in the source's")
            if len(f.changes) > MAX_CHANGES:
                lines.append(f"    ... and {len(f.changes) - MAX_CHANGES} more layers")
        if not f.agrees:
            lines.append(f"  {f.status}: " + (f.note or "no note in the spec says why ours differs"))
        elif f.note:
            lines.append(f"  {f.note}")
        notes.append("\n".join(lines))
    if notes:
        parts.append("where the figures differ, and why\n\n" + "\n".join(notes) + "\n")
    return "\n".join(parts)


def render_conventions(fmt: str = "text") -> str:
    """Every convention: its tool and version, what it counts, its rules op by op, what it leaves out."""
    from ..counting import CONVENTIONS
    from ..ops import all_ops

    if fmt == "json":
        return json.dumps({c.name: {"tool": c.tool, "description": c.description, "leaves_out": c.leaves_out,
                                    "rules": {k: {"counts": dict(v.weights), "why": v.why} for k, v in c.rules.items()},
                                    "default": dict(c.default.weights), "weight_ops": dict(c.weight_ops.weights),
                                    "other_ops": dict(c.other_ops.weights)}
                           for c in CONVENTIONS.values()}, indent=2) + "\n"
    table = "markdown" if fmt == "markdown" else "text"
    out = []
    for c in CONVENTIONS.values():
        rows = [[key, rule.text(), rule.why] for key, rule in c.rules.items()]
        if "rule" in c.default.weights:   # the ops' own rules: list each op with what its rule counts
            rows += [[name, c.default.text(), op.doc] for name, op in sorted(all_ops().items())
                     if op.kind != "io" and name not in c.rules]
        rows += [["(any other op)", c.default.text(), c.default.why],
                 ["(op naming no counts, with parameters)", c.weight_ops.text(), c.weight_ops.why],
                 ["(op naming no counts, no parameters)", c.other_ops.text(), c.other_ops.why]]
        out.append(emit(["op", "counts", "why"], rows, table, title=f"{c.name}: {c.tool}\n{c.description}",
                        notes=[f"not counted: {c.leaves_out}"]))
    out.append("counts: macs = weights' multiply-adds; bias = 1 per output with a bias; elements = output "
               "elements; affine = elements when batch norm learns gamma and beta; inputs = input elements; "
               "outputs = output elements; window = output elements x window size; additions = adds' "
               "element-wise sums; rule = the op's own rule (the lecture's); params = its parameters. "
               "Keys: op@call, kind@call, op, kind (call: module, functional or method, as the reference "
               "PyTorch code runs the layer). --count flops doubles every figure.\n")
    return "\n".join(out)
