"""`archcost quiz`: a sheet's blanks asked one at a time in the terminal, graded as the grader
grades, with the worked arithmetic (and the mistake a wrong answer matches) after a wrong answer.

An empty line skips a blank, ``q`` (or the end of the input) stops; the score counts the blanks
asked. Everything read comes from ``stdin``, so a quiz can be piped:

>>> import io
>>> from .build import make_sheets
>>> sheet = make_sheets("alexnet", groups=("memory",), rows=("conv1",))[0]
>>> out = io.StringIO()
>>> run_quiz(sheet, io.StringIO("784\\n"), out)
(1, 1)
>>> out.getvalue().splitlines()[-1]
'Score: 1/1'
"""

from __future__ import annotations

from ..i18n import simple_table
from .grade import diagnose, mark
from .lms import section_blanks
from .model import Blank, Table


def _context(section, blank, tr):
    """The lines that come before a blank's question: a table blank's row with its headers."""
    for part in section.parts:
        if isinstance(part, Table):
            for row in part.rows:
                if blank in row:
                    cells = ["?" if isinstance(c, Blank) and c is not blank else "(?)" if c is blank else str(c)
                             for c in row]
                    return ["  " + line for line in simple_table([tr(h) for h in part.headers], [cells]).splitlines()]
            return []
        if blank in part.blanks:
            return [tr(part.text)]
    return []


def run_quiz(sheet, stdin, stdout, lang=None) -> tuple[int, int]:
    """Ask every blank of ``sheet``; returns (right, asked)."""
    from ..i18n import catalog

    tr = catalog(lang)

    def say(text=""):
        stdout.write(text + "\n")
        stdout.flush()

    say(tr(f"Quiz: {sheet.title}"))
    say(tr("Answer each blank (an empty line skips it, 'q' stops)."))
    right = asked = n = 0
    for section in sheet.sections:
        say()
        say(tr(section.title))
        for p in section.prompt:
            say(tr(p))
        for b in section_blanks(section):
            n += 1
            say()
            for line in _context(section, b, tr):
                say(line)
            unit = f" [{tr(b.unit)}]" if b.unit else ""
            stdout.write(f"({n}) {tr(b.label)}{unit}: ")
            stdout.flush()
            line = stdin.readline()
            if not line or line.strip().lower() == "q":
                say()
                say(tr(f"Score: {right}/{asked}"))
                return right, asked
            answer = line.strip()
            if not answer:
                continue
            asked += 1
            key = b.to_dict(n)
            ok, why, _ = mark(key, answer)
            if ok:
                right += 1
                say(tr("Right."))
                continue
            say(tr(f"Not quite: the answer is {b.shown()}{(' ' + b.unit) if b.unit else ''}."))
            mistake = diagnose(key, answer)
            if mistake:
                say(tr(f"likely mistake: {mistake}"))
            for group, _, text in section.work:
                if group == b.group:
                    say(tr.worked(text))
    say()
    say(tr(f"Score: {right}/{asked}"))
    return right, asked
