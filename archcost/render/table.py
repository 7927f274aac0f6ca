"""The lecture's per-layer table: one row per layer, a totals row, rounded as the lecture rounds.

>>> import archcost
>>> text = render_table(archcost.analyze("alexnet"))
>>> [line.split()[-3:] for line in text.splitlines() if line.startswith("conv1")]
[['784', '23', '73']]
"""

from __future__ import annotations

from fractions import Fraction

from ..errors import one_line
from ..report import Report
from .formats import emit, fixed, num
from .units import exact_memory, exact_text, memory_in, units_note

HEADERS = ["layer", "C in", "H/W in", "filters", "kernel", "stride", "pad", "C out", "H/W out",
           "memory (KB)", "params (k)", "flop (M)"]
CSV_HEADERS = ["layer", "op", "c_in", "hw_in", "filters", "kernel", "stride", "pad", "c_out", "hw_out",
               "memory_kb", "params", "flops", "folded"]


def channels(shape, layout: str = "") -> int | str:
    """C (or a token's dim D) of a shape in its layout: the first axis unless the layout says where.

    >>> channels((64, 56, 56)), channels((56, 56, 96), "HWC"), channels((197, 768), "LD")
    (64, 96, 768)
    """
    if len(layout) == len(shape):
        for c in "CD":
            if c in layout:
                return shape[layout.index(c)]
    return shape[0] if shape else ""


def hw(shape, layout: str = "") -> str:
    """'56' for a square map, '28x14' otherwise, '197 tok' for a token sequence, '' for a vector.

    >>> hw((64, 56, 56)), hw((28, 14, 96), "HWC"), hw((197, 768), "LD"), hw((1000,))
    ('56', '28x14', '197 tok', '')
    """
    if len(layout) == len(shape):
        if "G" in layout and "L" in layout:   # windows of tokens: '64x49 tok'
            return f"{shape[layout.index('G')]}x{shape[layout.index('L')]} tok"
        if "L" in layout:
            return f"{shape[layout.index('L')]} tok"
        if "H" in layout and "W" in layout:
            h, w = shape[layout.index("H")], shape[layout.index("W")]
            return str(h) if h == w else f"{h}x{w}"
    if len(shape) < 3:
        return ""
    return str(shape[1]) if shape[1] == shape[2] else "x".join(str(d) for d in shape[1:])


def shape_text(shape) -> str:
    return "x".join(str(d) for d in shape)


def channels_in(x) -> int | str:
    """C in; a layer fed by several inputs of different widths shows them all (a concat: 64+128+32+32)."""
    widths = [s[0] for s in x.input_shapes if s]
    if len(set(widths)) > 1 and x.input_layout[:1] in ("C", "N", ""):
        return "+".join(map(str, widths))
    return channels(x.input_shape, x.input_layout)


def layer_cells(x) -> list:
    c = x.cells
    return [x.name, channels_in(x), hw(x.input_shape, x.input_layout), c.get("filters", ""), c.get("kernel", ""),
            c.get("stride", ""), c.get("pad", ""), channels(x.output_shape, x.layout), hw(x.output_shape, x.layout)]


def headers_for(report: Report) -> list:
    """The lecture's headers; a network with token sequences reads C/dim and H/W or tokens."""
    if not any("L" in x.layout for x in report.layers):
        return list(HEADERS)
    return [{"C in": "C/dim in", "H/W in": "H/W/tok in", "C out": "C/dim out", "H/W out": "H/W/tok out"}.get(h, h)
            for h in HEADERS]


def describe(report: Report) -> str:
    """The two header lines: the network and its title, the input and the source (each kept to
    its line: a spec's text may hold line breaks)."""
    return (one_line(f"{report.network}: {report.title}") + f"\ninput {shape_text(report.input)}"
            + (one_line(f"; source: {report.source}") if report.source else ""))


def conventions_note(report: Report, all: bool = False, exact: bool = False) -> str:
    c = report.conventions
    flops = c.flops_text()
    batch = f", batch {c.batch}" if c.batch != 1 else ""
    fold = "" if all else "; in-place layers (activations, batch norm, dropout) folded into the row they follow (--all shows them)"
    cut = exact and any(round(x.memory_kb, 2) != x.memory_kb for x in report.layers)
    figures = ("params and FLOPs: exact counts; memory (KB): "
               + ("to two decimals (csv and json carry the exact values)" if cut else "exact") if exact else "params (k) = parameters / 1,000, flop (M) = FLOPs / 1,000,000, rounded half up "
               "(to whole numbers unless a column's total is under 100)")
    return (f"FLOPs: {flops}; memory: {c.dtype} outputs ({c.bytes_per_element} bytes), KB = {c.kb} bytes{batch}; "
            f"{figures}{fold}")


def column_decimals(report: Report) -> tuple[int, int, int]:
    """Decimals of the memory (KB), params (k) and flop (M) columns: none, as the lecture's
    table, unless a column's total is under 100 in its unit (1 decimal) or under 10 (2), so
    that LeNet's 0.34 MFLOP do not print as a column of zeros.

    >>> import archcost
    >>> column_decimals(archcost.analyze("alexnet")), column_decimals(archcost.analyze("lenet5"))
    ((0, 0, 0), (1, 1, 2))
    """
    t = report.totals
    return tuple(0 if v >= 100 else 1 if v >= 10 else 2 for v in (t.memory_kb, t.params / 1000, t.flops / 10**6))


def memory_cell(kb, units: str, exact: bool, decimals: int = 0) -> str:
    """Memory in the lecture's whole KB; MB and GB (1024-based) keep two or three decimals;
    ``exact`` writes the exact fraction in full (253.5, 3.90625). ``kb``: a Fraction of KB."""
    if exact:
        return exact_text(memory_in(Fraction(kb), units))
    if units == "KB":
        return fixed(kb, 1, decimals)
    return f"{float(memory_in(kb, units)):,.{2 if units == 'MB' else 3}f}"


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
    kb = lambda x: exact_memory(x.memory_bytes, "KB", report.conventions.kb)  # noqa: E731 - from whole bytes
    if exact:
        cells = lambda x: [memory_cell(kb(x), units, True), num(x.params, exact=True),  # noqa: E731
                           num(x.flops, exact=True)]
    else:
        dm, dp, df = column_decimals(report)
        cells = lambda x: [memory_cell(kb(x), units, False, dm), fixed(x.params, 1000, dp),  # noqa: E731
                           fixed(x.flops, 10**6, df)]
    body = [layer_cells(x) + cells(x) for x in rows]
    body.append(["total"] + [""] * 8 + cells(t))
    headers = headers_for(report)[:9] + [f"memory ({units})"] + (["params", "FLOPs"] if exact else HEADERS[10:])
    notes = [conventions_note(report, all, exact)] + ([units_note(units)] if units != "KB" else [])
    if any(x.tied for x in report.layers):
        from ..passes.ties import tied_note
        notes.append(tied_note(report.layers))
    return emit(headers, body, fmt, title=describe(report), notes=notes)
