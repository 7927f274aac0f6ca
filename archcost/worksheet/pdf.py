"""PDF of a sheet's blocks with fpdf2 (the optional extra ``pip install 'archcost[pdf]'``).

A4 landscape, the core Helvetica and Courier fonts (text is kept to Latin-1:
'x' for the times sign, '->' for arrows), and a fixed creation date, so the
same sheet gives byte-identical files.

>>> import random, archcost
>>> from .table import table_section
>>> from .model import Sheet
>>> from .document import blocks
>>> sec = table_section(archcost.analyze("alexnet"), random.Random(0), ("memory",), rows=("conv1",))
>>> pdf(blocks(Sheet("alexnet-s0", "AlexNet", (), (), (sec,))))[:5]
b'%PDF-'
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone

from ..errors import ArchcostError
from .document import Cell, show_cell

FIXED_DATE = datetime(2000, 1, 1, tzinfo=timezone.utc)   # no clock in the file: same input, same bytes
_LATIN1 = {"\u00d7": "x", "\u2192": "->", "\u2248": "~", "\u2013": "-", "\u2014": "-", "\u2212": "-",
           "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2264": "<=", "\u2265": ">=", "\u2026": "..."}


def latin1(text: str) -> str:
    """What the core PDF fonts can show: latin1('3 × 3 → 9') -> '3 x 3 -> 9'."""
    text = "".join(_LATIN1.get(ch, ch) for ch in text)
    return text.encode("latin-1", "replace").decode("latin-1")


def _fpdf():
    try:
        import fpdf
    except ImportError:
        raise ArchcostError("PDF output needs the fpdf2 package",
                            "install it with: pip install 'archcost[pdf]' (or choose --format markdown,html,latex)"
                            ) from None
    return fpdf


CELL_CHARS = 40    # a longer word (a layer name from a spec) is cut, its end kept; longer text wraps


def _widths(headers, rows) -> list[float]:
    longest = [min(CELL_CHARS, max([len(h) * 0.8] + [len(_text(r[i])) for r in rows])) for i, h in enumerate(headers)]
    return [max(w, 4.5) for w in longest]


def _text(c) -> str:
    """A table cell's text with no word longer than CELL_CHARS, so every column keeps room on the page."""
    words = show_cell(c, "?", str, str, str).split(" ")
    return " ".join(w if len(w) <= CELL_CHARS else "..." + w[-(CELL_CHARS - 3):] for w in words)


def _table(doc, headers, rows, fpdf, sans="Helvetica", latin1=latin1):
    blank = fpdf.FontFace(size_pt=6, color=(90, 90, 90))
    answer = fpdf.FontFace(emphasis="BOLD")
    doc.set_font(sans, size=8)
    with doc.table(col_widths=_widths(headers, rows), text_align=["LEFT"] + ["RIGHT"] * (len(headers) - 1),
                   line_height=5, padding=(0.4, 1.2), v_align="TOP",
                   headings_style=fpdf.FontFace(emphasis="BOLD", fill_color=(235, 235, 235))) as t:
        head = t.row()
        for h in headers:
            head.cell(latin1(h))
        for r in rows:
            row = t.row()
            for c in r:
                if isinstance(c, Cell):
                    style = answer if c.answer is not None else blank
                    row.cell(latin1(_text(c)), style=style, align=None if c.answer is not None else "LEFT")
                else:
                    row.cell(latin1(_text(c)), align="CENTER" if c is None else None)
    doc.ln(2)


def _embed(doc, blocks, font):
    """Embed a TrueType font when the text needs more than Latin-1 (Korean): (sans, mono, clean)."""
    from .fonts import find_font, needs_font

    chars = needs_font(_texts(blocks))
    if not chars and not font:
        return "Helvetica", "Courier", latin1
    path = find_font(chars, font)
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)   # fpdf2's subsetting notes are not ours
    bold = path.replace("Gothic.ttf", "GothicBold.ttf")
    doc.add_font("sheet", "", path)
    doc.add_font("sheet", "B", bold if bold != path and os.path.isfile(bold) else path)
    return "sheet", "sheet", lambda text: "".join(_LATIN1.get(ch, ch) for ch in text)


def _texts(blocks):
    for b in blocks:
        for part in b[1:]:
            if isinstance(part, str):
                yield part
            elif isinstance(part, list):
                for item in part:
                    yield from (x for x in (item if isinstance(item, (list, tuple)) else [item])
                                if isinstance(x, str))


def pdf(blocks, font: str | None = None) -> bytes:
    """The blocks of :func:`~archcost.worksheet.document.blocks` as a PDF document; text beyond
    Latin-1 (a Korean sheet) embeds a font that has it (:mod:`archcost.worksheet.fonts`)."""
    fpdf = _fpdf()
    doc = fpdf.FPDF(orientation="landscape", format="A4")
    sans, mono, latin1 = _embed(doc, blocks, font)
    doc.set_creation_date(FIXED_DATE)
    doc.set_margins(12, 12, 12)
    doc.set_auto_page_break(True, margin=12)
    doc.add_page()
    width = doc.epw

    def para(text, size=10, style="", h=5.0, font=sans, markdown=False):
        doc.set_font(font, style, size)
        doc.multi_cell(width, h, latin1(text), new_x="LMARGIN", new_y="NEXT", markdown=markdown)

    for b in blocks:
        kind = b[0]
        if kind == "title":
            doc.set_title(doc.title or latin1(b[1]))
            para(b[1], 15, "B", 8)
        elif kind == "meta":
            doc.set_font(sans, "", 10)
            line = "      ".join(f"{k}: {v if v is not None else '_' * 40}" for k, v in b[1])
            doc.multi_cell(width, 6, latin1(line), new_x="LMARGIN", new_y="NEXT")
            doc.ln(1)
        elif kind == "h":
            doc.ln(1.5)
            para(b[1], 12, "B", 6)
            doc.line(doc.l_margin, doc.get_y(), doc.l_margin + width, doc.get_y())
            doc.ln(1.5)
        elif kind == "p":
            para(b[1])
            doc.ln(1)
        elif kind == "list":
            for item in b[1]:
                para(f"-  {item}", 9, h=4.2)
            doc.ln(1)
        elif kind == "table":
            _table(doc, b[1], b[2], fpdf, sans, latin1)
        elif kind == "blanks":
            for c, label, unit in b[1]:
                if c.answer is None:
                    para(f"({c.n})  {label}:  {'_' * 22}  {unit}".rstrip(), 10, h=7)
                else:   # the answer in bold (fpdf2's markdown: the label has no ** of its own)
                    para(f"({c.n})  {label.replace('*', '')}:  **{c.answer}**  {unit}".rstrip(), 10, h=7, markdown=True)
            doc.ln(1)
        elif kind == "pagebreak":
            doc.add_page()
        elif kind == "pre":
            para(b[1], 10, "B", 5.5)
            para(b[2], 7.5, h=3.4, font=mono)
            doc.ln(1.5)
    return bytes(doc.output())
