"""The lecture's per-layer table: one row per layer, a totals row, rounded as the lecture rounds.

>>> import archcost
>>> text = render_table(archcost.analyze("alexnet"))
>>> [line.split()[-3:] for line in text.splitlines() if line.startswith("conv1")]
[['784', '23', '73']]
"""

from __future__ import annotations

from ..report import Report
from .formats import emit, num
from .units import memory_in, units_note

HEADERS = ["layer", "C in", "H/W in", "filters", "kernel", "stride", "pad", "C out", "H/W out",
           "memory (KB)", "params (k)", "flop (M)"]
CSV_HEADERS = ["layer", "op", "c_in", "hw_in", "filters", "kernel", "stride", "pad", "c_out", "hw_out",
               "memory_kb", "params", "flops", "folded"]


def channels(shape) -> int | str:
    return shape[0] if shape else ""


def hw(shape) -> str:
    """'56' for a square map, '28x14' otherwise, '' for a vector."""
    if len(shape) < 3:
        return ""
    return str(shape[1]) if shape[1] == shape[2] else "x".join(str(d) for d in shape[1:])


def shape_text(shape) -> str:
    return "x".join(str(d) for d in shape)


def channels_in(x) -> int | str:
    """C in; a layer fed by several inputs of different widths shows them all (a concat: 64+128+32+32)."""
    widths = [s[0] for s in x.input_shapes if s]
    return "+".join(map(str, widths)) if len(set(widths)) > 1 else channels(x.input_shape)


def layer_cells(x) -> list:
    c = x.cells
    return [x.name, channels_in(x), hw(x.input_shape), c.get("filters", ""), c.get("kernel", ""),
            c.get("stride", ""), c.get("pad", ""), channels(x.output_shape), hw(x.output_shape)]


def describe(report: Report) -> str:
    return (f"{report.network}: {report.title}\ninput {shape_text(report.input)}"
            + (f"; source: {report.source}" if report.source else ""))


def conventions_note(report: Report, all: bool = False) -> str:
    c = report.conventions
    flops = "multiply-adds incl. the bias add" if c.bias_flops else "multiply-adds without the bias add"
    batch = f", batch {c.batch}" if c.batch != 1 else ""
    fold = "" if all else "; in-place layers (activations, batch norm, dropout) folded into the row they follow (--all shows them)"
    return (f"FLOPs: {flops}; memory: {c.dtype} outputs ({c.bytes_per_element} bytes), KB = {c.kb} bytes{batch}; "
            f"params (k) = parameters / 1,000, flop (M) = FLOPs / 1,000,000, rounded half up{fold}")


def memory_cell(kb: float, units: str, exact: bool) -> str:
    """Memory in the lecture's whole KB; MB and GB (1024-based) keep two or three decimals."""
    if units == "KB":
        return num(kb, exact=exact)
    return f"{memory_in(kb, units):,.{2 if units == 'MB' else 3}f}"


def render_table(report: Report, fmt: str = "text", all: bool = False, exact: bool = False,
                 units: str = "KB") -> str:
    """The per-layer table in any format of :data:`~archcost.render.formats.FORMATS`."""
    rows = report.rows(all)
    t = report.totals
    if fmt == "json":
        return report.to_json(all) + "\n"
    if fmt == "csv":
        out = [layer_cells(x)[:1] + [x.op] + layer_cells(x)[1:]
               + [x.memory_kb, x.params, x.flops, " ".join(x.folded)] for x in rows]
        out.append(["total", "", "", "", "", "", "", "", "", "", t.memory_kb, t.params, t.flops, ""])
        return emit(CSV_HEADERS, out, "csv")
    k, m = (1, 1) if exact else (1000, 10**6)
    body = [layer_cells(x) + [memory_cell(x.memory_kb, units, exact), num(x.params, k, exact),
                              num(x.flops, m, exact)] for x in rows]
    body.append(["total"] + [""] * 8 + [memory_cell(t.memory_kb, units, exact), num(t.params, k, exact),
                                        num(t.flops, m, exact)])
    headers = HEADERS[:9] + [f"memory ({units})"] + (["params", "FLOPs"] if exact else HEADERS[10:])
    notes = [conventions_note(report, all)] + ([units_note(units)] if units != "KB" else [])
    return emit(headers, body, fmt, title=describe(report), notes=notes)
