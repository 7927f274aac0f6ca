"""Text formats of a sheet's blocks: markdown, html (printable, with a print stylesheet) and LaTeX.

>>> import random, archcost
>>> from .table import table_section
>>> from .model import Sheet
>>> sec = table_section(archcost.analyze("alexnet"), random.Random(0), ("memory",), rows=("conv1",))
>>> text = render(Sheet("alexnet-s0", "AlexNet", (), (), (sec,)), "markdown")
>>> [line.split("|")[10].strip() for line in text.splitlines() if line.startswith("| conv1")]
['(1) ____']
"""

from __future__ import annotations

from html import escape

from ..errors import ArchcostError
from ..render.formats import emit
from .document import blocks, show_cell

FORMATS = ("markdown", "html", "latex", "pdf")
EXTENSIONS = {"markdown": "md", "html": "html", "latex": "tex", "pdf": "pdf"}


# ---------------------------------------------------------------- markdown
def _md_cell(c) -> str:
    return show_cell(c, "?", lambda n: f"({n}) ____", lambda a: f"**{a}**", str)


def markdown(doc) -> str:
    out = []
    for b in doc:
        kind = b[0]
        if kind == "title":
            out.append(f"# {b[1]}\n")
        elif kind == "meta":
            out.append(" &nbsp; ".join(f"**{k}:** {v if v is not None else '_' * 24}" for k, v in b[1]) + "\n")
        elif kind == "h":
            out.append(f"## {b[1]}\n")
        elif kind == "p":
            out.append(f"{b[1]}\n")
        elif kind == "list":
            out.append("".join(f"- {item}\n" for item in b[1]))
        elif kind == "table":
            out.append(emit(b[1], [[_md_cell(c) for c in row] for row in b[2]], "markdown"))
        elif kind == "blanks":
            out.append("".join(f"{c.n}. {label}: {_md_cell(c) if c.answer else '_' * 16} {unit}".rstrip() + "\n"
                               for c, label, unit in b[1]))
        elif kind == "pre":
            out.append(f"**{b[1]}**\n\n```\n{b[2]}\n```\n")
        elif kind == "pagebreak":
            out.append("---\n")
    return "\n".join(out)


# ---------------------------------------------------------------- html
CSS = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 11pt; color: #000;
       max-width: 62em; margin: 1.5em auto; padding: 0 1em; }
h1 { font-size: 16pt; margin: 0 0 .3em; }
h2 { font-size: 12.5pt; margin: 1.2em 0 .4em; border-bottom: 1px solid #888; }
p.meta { margin: .2em 0 1em; }
span.line { display: inline-block; min-width: 16em; border-bottom: 1px solid #000; }
span.short { min-width: 7em; }
table { border-collapse: collapse; font-size: 9.5pt; margin: .5em 0; }
th, td { border: 1px solid #777; padding: 3px 6px; text-align: right; }
th { background: #eee; }
th:first-child, td:first-child { text-align: left; }
td.blank { min-width: 4.5em; height: 1.7em; text-align: left; vertical-align: top; }
td.blank span, .q span.n { font-size: 7pt; color: #444; }
td.hidden { color: #666; text-align: center; }
td.answer, .q b { font-weight: bold; }
.q { margin: .45em 0; }
pre { font-size: 8.5pt; background: #f5f5f5; padding: .5em; white-space: pre-wrap; }
h3 { font-size: 10.5pt; margin: .8em 0 .2em; }
hr.pagebreak { margin: 3em 0; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 9pt; }
  h1 { font-size: 14pt; }
  h2 { font-size: 11pt; margin: .7em 0 .3em; }
  ul { columns: 2; column-gap: 2.5em; margin: .2em 0; padding-left: 1.2em; }
  li { break-inside: avoid; }
  td.blank { height: 1.5em; }
  th { background: none; }
  pre { background: none; border: 1px solid #bbb; }
  h2, h3 { page-break-after: avoid; }
  table, pre, .q { page-break-inside: avoid; }
  hr.pagebreak { break-after: page; border: 0; margin: 0; height: 0; }
}
"""


def _html_cell(c) -> str:
    return show_cell(c, '<td class="hidden">?</td>', lambda n: f'<td class="blank"><span>{n}</span></td>',
                     lambda a: f'<td class="answer">{escape(a)}</td>', lambda t: f"<td>{escape(t)}</td>")


def html(doc) -> str:
    title = next(b[1] for b in doc if b[0] == "title")
    out = ['<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
           f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>"]
    for b in doc:
        kind = b[0]
        if kind == "title":
            out.append(f"<h1>{escape(b[1])}</h1>")
        elif kind == "meta":
            out.append('<p class="meta">' + " &nbsp; ".join(
                f"<b>{escape(k)}:</b> " + (escape(v) if v is not None else '<span class="line"></span>')
                for k, v in b[1]) + "</p>")
        elif kind == "h":
            out.append(f"<h2>{escape(b[1])}</h2>")
        elif kind == "p":
            out.append(f"<p>{escape(b[1])}</p>")
        elif kind == "list":
            out.append("<ul>\n" + "".join(f"<li>{escape(i)}</li>\n" for i in b[1]) + "</ul>")
        elif kind == "table":
            head = "".join(f"<th>{escape(h)}</th>" for h in b[1])
            body = "".join("<tr>" + "".join(_html_cell(c) for c in row) + "</tr>\n" for row in b[2])
            out.append(f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>")
        elif kind == "blanks":
            out.append("".join(
                f'<p class="q"><span class="n">({c.n})</span> {escape(label)}: '
                + (f"<b>{escape(c.answer)}</b>" if c.answer is not None else '<span class="line short"></span>')
                + f" {escape(unit)}</p>\n" for c, label, unit in b[1]))
        elif kind == "pre":
            out.append(f"<h3>{escape(b[1])}</h3>\n<pre>{escape(b[2])}</pre>")
        elif kind == "pagebreak":
            out.append('<hr class="pagebreak">')
    out.append("</body>\n</html>\n")
    return "\n".join(out)


# ---------------------------------------------------------------- LaTeX
_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
        "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def tex_escape(s: str) -> str:
    """Escape LaTeX's special characters: tex_escape('50% of C_in') -> '50\\\\% of C\\\\_in'."""
    return "".join(_TEX.get(ch, ch) for ch in s)


def _tex_cell(c) -> str:
    return show_cell(c, "?", lambda n: rf"{{\tiny {n}}}\,\rule{{1.2cm}}{{0.4pt}}",
                     lambda a: rf"\textbf{{{tex_escape(a)}}}", tex_escape)


def latex(doc) -> str:
    out = [r"\documentclass[10pt]{article}", r"\usepackage[a4paper,landscape,margin=15mm]{geometry}",
           r"\usepackage[T1]{fontenc}", r"\usepackage{booktabs}", r"\setlength{\parindent}{0pt}",
           r"\setlength{\parskip}{4pt}", r"\pagestyle{empty}", r"\begin{document}"]
    for b in doc:
        kind = b[0]
        if kind == "title":
            out.append(rf"\section*{{{tex_escape(b[1])}}}")
        elif kind == "meta":
            out.append(r" \quad ".join(rf"\textbf{{{tex_escape(k)}:}} "
                                       + (tex_escape(v) if v is not None else r"\rule{7cm}{0.4pt}")
                                       for k, v in b[1]) + "\n")
        elif kind == "h":
            out.append(rf"\subsection*{{{tex_escape(b[1])}}}")
        elif kind == "p":
            out.append(tex_escape(b[1]) + "\n")
        elif kind == "list":
            out.append("\\begin{itemize}\n" + "".join(rf"\item {tex_escape(i)}" + "\n" for i in b[1])
                       + "\\end{itemize}")
        elif kind == "table":
            cols = "l" + "r" * (len(b[1]) - 1)
            rows = [" & ".join(_tex_cell(c) for c in row) + r" \\" for row in b[2]]
            out.append("{\\small\\renewcommand{\\arraystretch}{1.7}\\begin{tabular}{" + cols + "}\n\\toprule\n"
                       + " & ".join(tex_escape(h) for h in b[1]) + " \\\\\n\\midrule\n"
                       + "\n".join(rows) + "\n\\bottomrule\n\\end{tabular}}\n")
        elif kind == "blanks":
            out.append("\n".join(
                rf"({c.n}) {tex_escape(label)}: "
                + (rf"\textbf{{{tex_escape(c.answer)}}}" if c.answer is not None else r"\rule{3cm}{0.4pt}")
                + f" {tex_escape(unit)}".rstrip() + r"\\[4pt]" for c, label, unit in b[1]) + "\n")
        elif kind == "pre":
            out.append(rf"\textbf{{{tex_escape(b[1])}}}" + "\n{\\footnotesize\n\\begin{verbatim}\n"
                       + b[2] + "\n\\end{verbatim}\n}")
        elif kind == "pagebreak":
            out.append("\\newpage")
    out.append(r"\end{document}" + "\n")
    return "\n".join(out)


def render(sheet, fmt: str, key: bool = False, lang: str | None = None, font: str | None = None):
    """A sheet (or its key) in ``fmt``: text for markdown/html/latex, bytes for pdf. A list of
    sheets gives one document, a page per sheet: the whole class in one print job. ``lang``
    translates its text (:mod:`archcost.i18n`); ``font`` is the PDF's font file."""
    from ..i18n import catalog, localize_blocks

    doc = []
    for s in sheet if isinstance(sheet, (list, tuple)) else [sheet]:
        doc += ([("pagebreak",)] if doc else []) + blocks(s, key)
    doc = localize_blocks(doc, lang)
    if fmt == "pdf":
        from .pdf import pdf
        return pdf(doc, font)
    if fmt == "html" and lang:
        return html(doc).replace('<html lang="en">', f'<html lang="{lang}">', 1)
    preamble = catalog(lang).header.get("X-LaTeX-Preamble") if lang else None
    if fmt == "latex" and preamble:    # a language's LaTeX package (Korean: kotex), from its catalog
        return latex(doc).replace(r"\usepackage{booktabs}", "\\usepackage{booktabs}\n" + preamble, 1)
    writers = {"markdown": markdown, "html": html, "latex": latex}
    if fmt not in writers:
        raise ArchcostError(f"no worksheet format '{fmt}'", f"use some of {', '.join(FORMATS)}")
    return writers[fmt](doc)
