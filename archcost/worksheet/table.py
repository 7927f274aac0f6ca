"""The lecture's table as an exercise: the network's rows with chosen cells left blank.

Rows, columns and rounding are those of :mod:`archcost.render.table`; a
blank's key is the report's exact value rounded as that table rounds, and its
worked arithmetic is ``archcost explain``'s text for the row.

>>> import archcost, random
>>> s = table_section(archcost.analyze("alexnet"), random.Random(0), groups=("memory",), rows=("conv1",))
>>> [(b.id, b.shown()) for b in s.parts[0].rows[0] if isinstance(b, Blank)]
[('conv1.memory', '784')]
"""

from __future__ import annotations

import random

from ..errors import ArchcostError
from ..ops.base import suggest
from ..render.formats import fixed
from ..render.table import HEADERS, channels, column_decimals, hw, layer_cells
from ..render.units import exact_memory
from ..report import Report
from .model import Blank, Section, Table

# column group -> (column index in HEADERS, cell key, unit, scale)
COLUMNS = {
    "output": ((7, "c_out", "", 1), (8, "hw_out", "", 1)),
    "memory": ((9, "memory", "KB", 1),),
    "params": ((10, "params", "k", 1000),),
    "flops": ((11, "flops", "M", 10**6),),
}
GROUPS = tuple(COLUMNS)
_INPUT_OF = {7: 1, 8: 2}   # C out is the next row's C in, H/W out its H/W in
# groups whose shown cells give each other's blanks away within a row: memory is the output's
# elements x bytes, so a shown output shape is the memory by one multiplication, and the reverse
GIVES_AWAY = {"output": ("memory",), "memory": ("output",)}
NOTES = "notes"   # the column of what the other columns do not show (groups, no bias, folded batch norm)


def parse_groups(text: str) -> tuple:
    """'output,memory' -> ('output', 'memory'); unknown names are an error with a hint."""
    names = tuple(g.strip() for g in text.split(",") if g.strip())
    for g in names:
        if g not in COLUMNS:
            raise ArchcostError(f"--blank {g}: no such column group",
                                suggest(g, COLUMNS) or f"use some of {', '.join(GROUPS)}")
    if not names:
        raise ArchcostError("--blank names no column group", f"use some of {', '.join(GROUPS)}")
    return names


def _exact(x, key):
    if key == "c_out":
        return channels(x.output_shape, x.layout)
    if key == "hw_out":   # '56' (a number), '28x14', or '197 tok' for a token sequence
        text = hw(x.output_shape, x.layout)
        return int(text) if text.isdigit() else text
    return {"memory": exact_memory(x.memory_bytes), "params": x.params, "flops": x.flops}[key]


def _blank(x, col, key, unit, scale, decimals=0, report=None, chosen=(), above=()) -> Blank:
    from .mistakes import carried, carried_in, mistaken_values

    exact = _exact(x, key)
    accept = (exact,) if scale > 1 else ()
    return Blank(f"{x.name}.{key}", f"{x.name}: {HEADERS[col]}", exact, unit, scale, decimals, accept=accept,
                 group=x.name, mistakes=tuple(mistaken_values(report, x, key)) if report else (),
                 carry=carried(x, key, exact, chosen), carry_in=carried_in(report, x, above) if report else ())


def _given(x, decimals=(0, 0, 0)) -> list:
    """The row's cells as the table prints them (its columns' decimals: see column_decimals)."""
    dm, dp, df = decimals
    return layer_cells(x) + [fixed(exact_memory(x.memory_bytes), 1, dm), fixed(x.params, 1000, dp),
                             fixed(x.flops, 10**6, df)]


def _row_work(report: Report, row, explain_layer) -> str:
    """``archcost explain`` for the row's layer and for each folded layer that costs something
    (a batch norm's parameters), with the row's sums when there are such layers."""
    costly = [report.layer(n) for n in row.folded]
    costly = [f for f in costly if f.params or f.flops or f.memory_kb]
    text = "\n".join(explain_layer(report, n) for n in [row.name] + [f.name for f in costly])
    if costly:
        parts = [report.layer(row.name)] + costly
        text += (f"\n  row {row.name}: parameters {' + '.join(f'{p.params:,}' for p in parts)} = {row.params:,};"
                 f" FLOPs {' + '.join(f'{p.flops:,}' for p in parts)} = {row.flops:,}")
    return text


def choose_cells(report: Report, rng: random.Random, groups=GROUPS, rate=None, rows=None) -> set:
    """The (row, column) cells to leave blank: every cell of ``groups`` in ``rows``, or a
    ``rate`` share of them drawn with ``rng`` (at least one). A draw never leaves a cell shown
    that gives a blank of its row away (:data:`GIVES_AWAY`): such groups are drawn together."""
    table_rows = report.rows()
    names = [x.name for x in table_rows]
    for r in rows or ():
        if r not in names:
            raise ArchcostError(f"--rows {r}: {report.network} has no such row",
                                suggest(r, names) or f"its rows are: {', '.join(names)}")
    units = []   # what is drawn: a row's cells of one group with the chosen groups that give them away
    for x in table_rows:
        if rows and x.name not in rows:
            continue
        given = _given(x)
        left = [g for g in groups if any(given[col] != "" for col, *_ in COLUMNS[g])]
        while left:
            tied = [left[0]] + [g for g in GIVES_AWAY.get(left[0], ()) if g in left[1:]]
            left = [g for g in left if g not in tied]
            units.append([(x.name, col) for g in tied for col, *_ in COLUMNS[g] if given[col] != ""])
    if rate is not None and units:
        units = rng.sample(units, max(1, round(rate * len(units))))
    return {cell for unit in units for cell in unit}


def shown_table(report: Report) -> Table:
    """The network's table with every cell shown, its notes and its totals row: what a question
    about the table (the findings) reads."""
    from .rules import owners, row_notes

    decimals, owner, previous = column_decimals(report), owners(report), None
    body, notes = [], []
    for x in report.rows():
        body.append(tuple(_given(x, decimals)))
        notes.append(row_notes(report, x, previous, owner))
        previous = x.name
    t = report.totals
    body.append(("total",) + ("",) * 8 + (fixed(t.memory_kb, 1, decimals[0]), fixed(t.params, 1000, decimals[1]),
                                          fixed(t.flops, 10**6, decimals[2])))
    if any(notes):
        return Table(tuple(HEADERS) + (NOTES,), tuple(r + (n,) for r, n in zip(body, notes + [""])))
    return Table(tuple(HEADERS), tuple(body))


def table_section(report: Report, rng: random.Random, groups=GROUPS, rate=None, rows=None) -> Section:
    """The table with blanks, the worked arithmetic of every row that has one, the warnings."""
    from ..render.explain import explain_layer
    from .rules import flops_rule, layer_rules, memory_rule, owners, row_notes, tensor_rule

    chosen = choose_cells(report, rng, groups, rate, rows)
    spec = {col: (key, unit, scale) for g in GROUPS for col, key, unit, scale in COLUMNS[g]}
    owner = owners(report)
    body, work, hidden, worked = [], [], set(), set()
    decimals = column_decimals(report)
    places = {9: decimals[0], 10: decimals[1], 11: decimals[2]}   # memory, params, flops columns
    notes, previous, asked = [], None, []
    keys_of = {}   # row -> the keys of its blanks (one pass: a large network has thousands of blanks)
    for r, c in chosen:
        if c in spec:
            keys_of.setdefault(r, set()).add(spec[c][0])
    for i, x in enumerate(report.rows()):
        cells = _given(x, decimals)
        notes.append(row_notes(report, x, previous, owner))
        previous = x.name
        sources = {owner.get(n) for n in x.inputs}
        for col, in_col in _INPUT_OF.items():
            if any((src, col) in chosen for src in sources) and cells[in_col] != "":
                hidden.add((i, in_col))    # a row above's blank output would be given away here
        for col in range(len(cells)):
            if (x.name, col) in chosen:
                above = tuple(f"{src}.{spec[c][0]}" for src in sorted(filter(None, sources)) for c in _INPUT_OF
                              if (src, c) in chosen)     # the blanks above that give this row its input
                cells[col] = _blank(x, col, *spec[col], places.get(col, 0), report, keys_of[x.name], above)
        body.append(tuple(cells))
        if any((x.name, col) in chosen for col in spec):
            work.append((x.name, x.name, _row_work(report, x, explain_layer)))
            worked.update((x.name, *x.folded))     # explain shows their warnings
            asked += [x] + [report.layer(n) for n in x.folded]
    headers = tuple(HEADERS)
    if any(notes):
        headers += (NOTES,)
        body = [row + (n,) for row, n in zip(body, notes)]
    warnings = tuple(f"{w.layer}: {w.message}" for w in report.warnings if w.layer not in worked)
    prompt = (f"{report.title}; input {'x'.join(map(str, report.input))}.",
              "Fill in the numbered empty cells."
              + (" A '?' is an input you will know once you have worked out the row it comes from (the row "
                 "above, or the one its notes name)." if hidden else ""))
    conv = report.conventions
    cols = {col for _, col in chosen}
    rules = (tensor_rule(conv, report.layers), *([memory_rule(conv)] if 9 in cols else []),
             *([flops_rule(conv)] if 11 in cols else []), *(t for _, t in layer_rules(asked, conv)))
    return Section(f"The per-layer table of {report.network}", prompt,
                   (Table(headers, tuple(body), frozenset(hidden)),), tuple(work), warnings, rules)
