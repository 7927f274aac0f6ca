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
from dataclasses import replace

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


DIFFICULTIES = ("lecture", "varied", "structure")


def shuffled(section, rng):
    """The section with each question's blanks in ``rng``'s order (tables keep their rows)."""
    from dataclasses import replace

    from .model import Question

    parts = tuple(Question(p.text, tuple(rng.sample(p.blanks, len(p.blanks)))) if isinstance(p, Question) else p
                  for p in section.parts)
    return replace(section, parts=parts)


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
                max_nodes=None, difficulty: str = "varied", exam: bool = False, shuffle: bool = False,
                **conventions) -> list[Sheet]:
    """One sheet, or one per variant: the same arguments and ``seed`` give the same sheets.

    ``difficulty``: 'lecture' (every sheet the lecture's numbers), 'varied' (each variant its own
    numbers) or 'structure' (exercises that can also change their layers do). ``exam``: no
    conventions block or hints, room for working. ``shuffle``: each sheet's exercises and questions
    in its own order.

    ``conventions`` are :func:`archcost.analyze`'s keywords (bias_flops, dtype, batch)."""
    from .. import analyze
    from .variants import draw_variants

    chosen = _exercises(exercises)
    given, notes = {}, []    # exercise -> the numbers NETWORK's own layers give it; what could not
    if network and not any(e.needs_network for e in chosen):
        cannot = [e.name for e in chosen if e.from_network is None]
        if cannot:
            raise ArchcostError(f"the exercise(s) {', '.join(cannot)} bring their own networks",
                                f"drop '{network}', or add --exercise table or --exercise findings")
        own = analyze(network, input=input, settings=settings, max_nodes=max_nodes, **conventions)
        for e in chosen:
            try:
                given[e.name] = e.from_network(own)
            except ArchcostError as exc:   # this network has no such block: the lecture's numbers, said so
                notes.append(f"{exc.what}: it uses the lecture's numbers")
    needs = any(e.needs_network for e in chosen)
    if needs and not network:
        raise ArchcostError(f"exercise '{next(e.name for e in chosen if e.needs_network)}' needs a network",
                            "name one: archcost worksheet alexnet ...")
    if rate is not None and not 0 < rate <= 1:
        raise ArchcostError(f"--blank-rate {rate} is not in (0, 1]", "write e.g. --blank-rate 0.4")
    if difficulty not in DIFFICULTIES:
        raise ArchcostError(f"--difficulty {difficulty}: no such level", f"use one of {', '.join(DIFFICULTIES)}")
    varied = bool(variants) and difficulty != "lecture"

    def draws(n):
        if needs and varied:
            drawn = draw_variants(network, n, seed, vary, allow_floor, input, settings, max_nodes, **conventions)
            return [(v.report, v.changes) for v in drawn]
        if needs:   # the network itself, on every sheet
            return [(analyze(network, input=input, settings=settings, max_nodes=max_nodes, **conventions), {})] \
                * max(n, 1)
        return [(None, {})] * max(n, 1)

    reports = draws(variants)
    base = reports[0][0].network if needs else (network if network else chosen[0].name)
    options = {"groups": groups, "rate": rate, "rows": rows}

    def sheet(i, report, changes, attempt=0):
        sid = f"{base}-s{seed}" + (f"-{i:02d}" if variants else "")
        rng = random.Random(f"archcost-worksheet:{seed}:{i}" + (f":{attempt}" if attempt else ""))
        ctx = Context(rng, varied, report, conventions, options, difficulty == "structure")
        sections = tuple(e.build(replace(ctx, numbers=given.get(e.name, {}))) for e in chosen)
        order = list(range(len(chosen)))
        if shuffle:
            rng.shuffle(order)
            sections = tuple(shuffled(sections[j], rng) for j in order)
        conv = report.conventions if report else Conventions(**conventions)
        names = [chosen[j].name for j in order]
        if report:
            title = report.title + (f": {', '.join(names)}" if names != ["table"] else "")
        else:
            title = sections[0].title if len(sections) == 1 else f"CNN architectures: {', '.join(names)}"
        info = {"seed": seed, "exercises": names, "conventions": conv.to_dict(),
                **({"difficulty": difficulty} if difficulty != "varied" else {}), **({"exam": True} if exam else {}),
                **({"warnings": notes} if notes else {})}
        if report:
            info.update(network=report.network, input=list(report.input), changes=changes)
        return Sheet(sid, f"Worksheet: {title}", INSTRUCTIONS, conventions_text(sections), sections, info)

    # every variant's key differs from every other's: a copied sheet shows (redrawn until it does)
    sheets, seen, pool, tries = [], set(), list(reports), 0
    while len(sheets) < max(variants, 1):
        i = len(sheets) + 1
        if not pool:
            tries += 1
            more = draws(variants + 4 * tries) if needs else []
            pool = more[len(reports):] if needs else [(None, {})]
            reports = more or reports
            if tries > 20 or not needs or not pool:
                raise ArchcostError(f"could only make {len(sheets)} of {variants} variants whose keys all differ",
                                    "widen the ranges (--vary), blank more cells, or draw fewer variants")
        report, changes = pool.pop(0)
        for attempt in range(1 if needs else 200):
            s = sheet(i, report, changes, attempt)
            answers = tuple((b.id, b.rounded) for b in s.blanks())
            if not varied or answers not in seen:
                seen.add(answers)
                sheets.append(s)
                break
    return sheets


def key_json(sheets) -> str:
    """The machine-readable key of every sheet: what ``archcost grade`` reads."""
    doc = {"format": KEY_FORMAT, "version": 1, "archcost": __version__, "sheets": [s.key_dict() for s in sheets]}
    return json.dumps(doc, indent=2) + "\n"


def answers_template(sheet: Sheet, lang: str | None = None) -> str:
    """The CSV a student fills in: one row per blank, the 'answer' column empty (the questions
    in ``lang``; the column names stay, the grader reads them)."""
    from ..i18n import catalog

    tr = catalog(lang)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(ANSWER_COLUMNS)
    for n, b in enumerate(sheet.blanks(), 1):
        w.writerow([sheet.id, n, b.id, tr(b.label), b.unit, ""])
    return buf.getvalue()


def parse_formats(text: str) -> list[str]:
    """'markdown,pdf' or 'all' -> the formats, checked."""
    from .lms import LMS_FORMATS

    known = FORMATS + LMS_FORMATS
    names = list(FORMATS) if text.strip() == "all" else [f.strip() for f in text.split(",") if f.strip()]
    aliases = {"md": "markdown", "tex": "latex", "htm": "html", "xml": "moodle", "canvas": "qti"}
    names = [aliases.get(n, n) for n in names]
    for n in names:
        if n not in known:
            raise ArchcostError(f"--format {n}: no such worksheet format",
                                suggest(n, known) or f"use some of {', '.join(known)}, or all")
    return list(dict.fromkeys(names)) or ["markdown"]


def worksheet_files(sheets, formats, lang: str | None = None, font: str | None = None) -> dict:
    """Every file of a class, name -> text (bytes for PDF): worksheets and keys in each format,
    one answers template per sheet, key.json, and with several sheets worksheets-all and keys-all
    (every sheet, a page each). LMS formats (moodle, gift, qti) give one question file for the class."""
    from .lms import LMS_FORMATS, lms_files

    files = {}
    sheet_formats = [f for f in formats if f not in LMS_FORMATS]
    for s in sheets:
        for fmt in sheet_formats:
            ext = EXTENSIONS[fmt]
            files[f"worksheet-{s.id}.{ext}"] = render(s, fmt, lang=lang, font=font)
            files[f"key-{s.id}.{ext}"] = render(s, fmt, key=True, lang=lang, font=font)
        files[f"answers-{s.id}.csv"] = answers_template(s, lang)
    if len(sheets) > 1:   # the whole class in one file each, to print in one go
        for fmt in sheet_formats:
            files[f"worksheets-all.{EXTENSIONS[fmt]}"] = render(sheets, fmt, lang=lang, font=font)
            files[f"keys-all.{EXTENSIONS[fmt]}"] = render(sheets, fmt, key=True, lang=lang, font=font)
    files.update(lms_files(sheets, [f for f in formats if f in LMS_FORMATS], lang))
    files["key.json"] = key_json(sheets)
    return files


def list_exercises(lang: str | None = None) -> str:
    from ..i18n import catalog

    tr = catalog(lang)
    width = max(map(len, EXERCISES)) + 2
    return "".join(f"{e.name:<{width}}{tr(e.title)}{tr('  [needs a network]') if e.needs_network else ''}\n"
                   for e in EXERCISES.values())
