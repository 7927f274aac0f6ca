"""A sheet as a list of simple blocks (title, paragraph, list, table, answer lines, worked text).

Every output format (markdown, html, LaTeX, PDF) renders these same blocks, so
the worksheet and its key say the same thing in every format. A table cell is
text, a :class:`Cell` (a numbered blank; with its answer in the key) or None
(an input hidden because the row above gives it: shown as '?').

>>> import random, archcost
>>> from .table import table_section
>>> from .model import Sheet
>>> sec = table_section(archcost.analyze("alexnet"), random.Random(0), ("memory",), rows=("conv1",))
>>> doc = blocks(Sheet("alexnet-s0", "AlexNet", (), (), (sec,)), key=True)
>>> [b for b in doc if b[0] == "table"][0][2][0][9]
Cell(n=1, answer='784')
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Blank, Sheet, Table


@dataclass(frozen=True)
class Cell:
    """A numbered blank; ``answer`` is set in the key."""

    n: int
    answer: str | None = None


def show_cell(c, hidden: str, blank, answer, given) -> str:
    """A table cell in one format: ``hidden`` for None, ``blank(n)``, ``answer(text)`` or ``given(text)``."""
    if c is None:
        return hidden
    if isinstance(c, Cell):
        return answer(c.answer) if c.answer is not None else blank(c.n)
    return given(c)


def _cell(c, numbers, key, hidden=False):
    if isinstance(c, Blank):
        return Cell(numbers[c.id], c.shown() if key else None)
    return None if hidden and not key else str(c)


def _unit(b: Blank) -> str:
    return {"k": "k (thousands)", "M": "M (millions)"}.get(b.unit, b.unit)


def blocks(sheet: Sheet, key: bool = False) -> list[tuple]:
    """The sheet (or, with ``key``, its answer key) as blocks."""
    numbers = sheet.numbers()
    out: list[tuple] = [("title", ("Answer key: " if key else "") + sheet.title),
                        ("meta", [("Sheet", sheet.id)] + ([] if key else [("Name", None)]))]
    if not key:
        out += [("h", "Instructions"), ("list", list(sheet.instructions)),
                ("h", "Conventions"), ("list", list(sheet.conventions))]
    for i, s in enumerate(sheet.sections, 1):
        out.append(("h", f"{i}. {s.title}"))
        out += [("p", p) for p in s.prompt]
        own = [r for r in s.rules if r not in sheet.conventions]
        if own and not key:
            out += [("p", "Count this exercise by:"), ("list", own)]
        for part in s.parts:
            if isinstance(part, Table):
                rows = [[_cell(c, numbers, key, (i, j) in part.hidden) for j, c in enumerate(row)]
                        for i, row in enumerate(part.rows)]
                out.append(("table", list(part.headers), rows))
            else:
                out.append(("p", part.text))
                out.append(("blanks", [(Cell(numbers[b.id], b.shown() if key else None), b.label, _unit(b))
                                       for b in part.blanks]))
        if key:
            out += [("pre", heading, text) for _, heading, text in s.work]
            steps = [b.rounding_step() for b in Sheet("", "", (), (), (s,)).blanks()]
            if any(steps):
                out.append(("pre", "rounded as the sheet asks", "\n".join(filter(None, steps))))
            out += [("p", f"Note: {n}") for n in s.notes]
    if key:
        out += [("h", "Grading"),
                ("p", "An answer is right when, in the unit shown, it rounds (halves up) to the key's figure; "
                      "an exact count is right too. archcost grade key.json answers.csv does it for you.")]
    return out
