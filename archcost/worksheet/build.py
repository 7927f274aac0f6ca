"""A class's worksheets: one sheet per student variant, the key.json, the answers templates, the files.

>>> sheets = make_sheets("alexnet", groups=("memory",), rows=("conv1", "pool1"))
>>> [(b.id, b.shown()) for b in sheets[0].blanks()]
[('conv1.memory', '784'), ('pool1.memory', '182')]
>>> sorted(worksheet_files(sheets, ["markdown"]))
['answers-alexnet-s0.csv', 'key-alexnet-s0.md', 'key.json', 'worksheet-alexnet-s0.md']
"""

from __future__ import annotations

import csv
import io
import json
import random

from .. import __version__
from ..conventions import Conventions
from ..errors import ArchcostError
from ..ops.base import suggest
from .exercises import EXERCISES, Context
from .model import Sheet
from .render import EXTENSIONS, FORMATS, render

KEY_FORMAT = "archcost worksheet key"
ANSWER_COLUMNS = ["variant", "n", "cell", "question", "unit", "answer"]


def conventions_text(sections) -> tuple:
    """The rules the student must count by: those every section of the sheet needs (each once, in
    order), and how the sheet's blanks are rounded. A section's other rules are stated with it
    (exercises may count differently: the inception question leaves the bias add out)."""
    from .model import Sheet
    from .rules import rounding_rule

    lines = [r for r in dict.fromkeys(rule for s in sections for rule in s.rules)
             if all(r in s.rules for s in sections)]
    rounding = rounding_rule(Sheet("", "", (), (), tuple(sections)).blanks())
    return tuple(lines + ([rounding] if rounding else []))


INSTRUCTIONS = (
    "Write your name above and keep the sheet id: your numbers are your own.",
    "Fill in every numbered blank, in the unit of its column or question, rounded as the conventions say.",
    "Show your working: the arithmetic counts as much as the number.",
    "Handing in a file? Fill the 'answer' column of your answers CSV, one row per blank, and change nothing else.",
)


def _exercises(names) -> list:
    out = []
    for n in names or ("table",):
        if n not in EXERCISES:
            raise ArchcostError(f"no exercise called '{n}'",
                                suggest(n, EXERCISES) or "run 'archcost worksheet --list-exercises'")
        out.append(EXERCISES[n])
    return out


def make_sheets(network=None, exercises=("table",), seed: int = 0, variants: int = 0, vary=(),
                allow_floor: bool = False, groups=None, rate=None, rows=None, input=None, settings=None,
                max_nodes=None, **conventions) -> list[Sheet]:
    """One sheet, or one per variant: the same arguments and ``seed`` give the same sheets.

    ``conventions`` are :func:`archcost.analyze`'s keywords (bias_flops, dtype, batch)."""
    from .. import analyze
    from .variants import draw_variants

    chosen = _exercises(exercises)
    if network and not any(e.needs_network for e in chosen):
        raise ArchcostError(f"the exercise(s) {', '.join(e.name for e in chosen)} bring their own networks",
                            f"drop '{network}', or add --exercise table or --exercise findings")
    needs = any(e.needs_network for e in chosen)
    if needs and not network:
        raise ArchcostError(f"exercise '{next(e.name for e in chosen if e.needs_network)}' needs a network",
                            "name one: archcost worksheet alexnet ...")
    if rate is not None and not 0 < rate <= 1:
        raise ArchcostError(f"--blank-rate {rate} is not in (0, 1]", "write e.g. --blank-rate 0.4")
    if needs and variants:
        drawn = draw_variants(network, variants, seed, vary, allow_floor, input, settings, max_nodes, **conventions)
        reports = [(v.report, v.changes) for v in drawn]
    elif needs:
        reports = [(analyze(network, input=input, settings=settings, max_nodes=max_nodes, **conventions), {})]
    else:
        reports = [(None, {})] * max(variants, 1)
    base = reports[0][0].network if needs else chosen[0].name
    options = {"groups": groups, "rate": rate, "rows": rows}
    sheets = []
    for i, (report, changes) in enumerate(reports, 1):
        sid = f"{base}-s{seed}" + (f"-{i:02d}" if variants else "")
        ctx = Context(random.Random(f"archcost-worksheet:{seed}:{i}"), bool(variants), report, conventions, options)
        sections = tuple(e.build(ctx) for e in chosen)
        conv = report.conventions if report else Conventions(**conventions)
        names = [e.name for e in chosen]
        if report:
            title = report.title + (f": {', '.join(names)}" if names != ["table"] else "")
        else:
            title = sections[0].title if len(sections) == 1 else f"CNN architectures: {', '.join(names)}"
        info = {"seed": seed, "exercises": names, "conventions": conv.to_dict()}
        if report:
            info.update(network=report.network, input=list(report.input), changes=changes)
        sheets.append(Sheet(sid, f"Worksheet: {title}", INSTRUCTIONS, conventions_text(sections), sections, info))
    return sheets


def key_json(sheets) -> str:
    """The machine-readable key of every sheet: what ``archcost grade`` reads."""
    doc = {"format": KEY_FORMAT, "version": 1, "archcost": __version__, "sheets": [s.key_dict() for s in sheets]}
    return json.dumps(doc, indent=2) + "\n"


def answers_template(sheet: Sheet) -> str:
    """The CSV a student fills in: one row per blank, the 'answer' column empty."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(ANSWER_COLUMNS)
    for n, b in enumerate(sheet.blanks(), 1):
        w.writerow([sheet.id, n, b.id, b.label, b.unit, ""])
    return buf.getvalue()


def parse_formats(text: str) -> list[str]:
    """'markdown,pdf' or 'all' -> the formats, checked."""
    names = list(FORMATS) if text.strip() == "all" else [f.strip() for f in text.split(",") if f.strip()]
    aliases = {"md": "markdown", "tex": "latex", "htm": "html"}
    names = [aliases.get(n, n) for n in names]
    for n in names:
        if n not in FORMATS:
            raise ArchcostError(f"--format {n}: no such worksheet format",
                                suggest(n, FORMATS) or f"use some of {', '.join(FORMATS)}, or all")
    return list(dict.fromkeys(names)) or ["markdown"]


def worksheet_files(sheets, formats) -> dict:
    """Every file of a class, name -> text (bytes for PDF): worksheets and keys in each format,
    one answers template per sheet, key.json, and with several sheets worksheets-all and keys-all
    (every sheet, a page each)."""
    files = {}
    for s in sheets:
        for fmt in formats:
            ext = EXTENSIONS[fmt]
            files[f"worksheet-{s.id}.{ext}"] = render(s, fmt)
            files[f"key-{s.id}.{ext}"] = render(s, fmt, key=True)
        files[f"answers-{s.id}.csv"] = answers_template(s)
    if len(sheets) > 1:   # the whole class in one file each, to print in one go
        for fmt in formats:
            files[f"worksheets-all.{EXTENSIONS[fmt]}"] = render(sheets, fmt)
            files[f"keys-all.{EXTENSIONS[fmt]}"] = render(sheets, fmt, key=True)
    files["key.json"] = key_json(sheets)
    return files


def list_exercises() -> str:
    width = max(map(len, EXERCISES)) + 2
    return "".join(f"{e.name:<{width}}{e.title}{'  [needs a network]' if e.needs_network else ''}\n"
                   for e in EXERCISES.values())
