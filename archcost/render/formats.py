"""Shared output formats for every tabular report: text, markdown, csv, latex, html.

Renderers build headers and rows (text cells for people, exact values for
csv) and call :func:`emit`; json is each report's own ``to_dict``.

>>> print(emit(["a", "b"], [[1, 2]], "csv"), end="")
a,b
1,2
"""

from __future__ import annotations

import csv
import io
import math
import re
from fractions import Fraction

from ..errors import one_line

FORMATS = ("text", "markdown", "csv", "json", "latex", "html")

_TABULATE = {"text": "simple", "markdown": "github", "latex": "latex_booktabs", "html": "html"}


def half_up(x) -> int:
    """Round as the lecture rounds: 182.25 -> 182, 253.5 -> 254 (halves go up)."""
    return int(math.floor(x + 0.5))


def fixed(x, scale=1, decimals=0) -> str:
    """x / scale rounded half up, exactly, to ``decimals`` places, with separators.

    >>> fixed(419_904, 10**6, 2), fixed(60_840, 1000, 1), fixed(23_296, 1000)
    ('0.42', '60.8', '23')
    """
    if not decimals:
        return num(x, scale)
    q = half_up(Fraction(x) / scale * 10**decimals)
    return f"{q / 10**decimals:,.{decimals}f}"


def num(x, scale=1, exact=False) -> str:
    """A count for people: divided by ``scale`` and rounded half up, with separators.

    >>> num(37_752_832, 1000), num(499_999, 10**6), num(500_000, 10**6), num(182.25)
    ('37,753', '0', '1', '182')
    """
    if exact:
        return f"{x:,}" if isinstance(x, int) else f"{x:,.2f}"
    if isinstance(x, int):  # exact integer rounding: a float quotient would be off past 2**53
        return f"{(2 * x + scale) // (2 * scale):,}"
    return f"{half_up(x / scale):,}"


_NUMERIC = re.compile(r"^[-+x]?[\d,.]*[%x]?[\d,.x]*$")


def alignments(rows, n: int) -> list[str]:
    """The first column (names) left, numeric columns right, text columns (titles) left.

    >>> alignments([["conv1", "784", "x1.5", "AlexNet"]], 4)
    ['left', 'right', 'right', 'left']
    """
    def numeric(col):
        return all(_NUMERIC.match(str(r[col])) for r in rows if col < len(r) and str(r[col]) != "")
    return ["left"] + ["right" if numeric(c) else "left" for c in range(1, n)]


def emit(headers, rows, fmt: str, title: str | None = None, notes=()) -> str:
    """Render a table in ``fmt``; ``title`` and ``notes`` frame it where the format allows."""
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(headers)
        w.writerows(rows)
        return buf.getvalue()
    from tabulate import tabulate

    if fmt in ("text", "markdown"):
        headers, rows = [safe_cell(h, fmt) for h in headers], [[safe_cell(c, fmt) for c in r] for r in rows]
    body = tabulate(rows, headers=headers, tablefmt=_TABULATE[fmt], disable_numparse=True,
                    colalign=alignments(rows, len(headers)))
    if fmt == "html":
        head = "".join(f"<h3>{_esc(line)}</h3>\n" if i == 0 else f"<p>{_esc(line)}</p>\n"
                       for i, line in enumerate((title or "").splitlines()))
        foot = "".join(f"<p>{_esc(n)}</p>\n" for n in notes)
        return f"{head}{body}\n{foot}"
    if fmt == "latex":
        head = "".join(f"% {line}\n" for line in (title or "").splitlines())
        foot = "".join(f"% {n}\n" for n in notes)
        return f"{head}{body}\n{foot}"
    if fmt == "markdown":
        first, _, rest = (title or "").partition("\n")
        head = (f"### {first}\n\n" + (f"{rest}\n\n" if rest else "")) if title else ""
        foot = "".join(f"\n{n}\n" for n in notes)
        return f"{head}{body}\n{foot}"
    head = f"{title}\n\n" if title else ""
    foot = "".join(f"{n}\n" for n in notes)
    return f"{head}{body}\n\n{foot}" if notes else f"{head}{body}\n"


def safe_cell(c, fmt: str = "text"):
    r"""A cell that cannot break its table: control characters and line breaks written as escapes
    (a layer name is text from a spec), and in markdown a '|' escaped.

    >>> safe_cell("a|b\nc", "markdown"), safe_cell("tab\there"), safe_cell(5)
    ('a\\|b\\nc', 'tab\\there', 5)
    """
    if not isinstance(c, str):
        return c
    c = one_line(c)
    return c.replace("|", "\\|") if fmt == "markdown" else c


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
