"""A class's blanks as questions an LMS imports: Moodle XML, GIFT, and QTI 1.2 (Canvas).

Each blank becomes one question: a number (Moodle 'numerical', Canvas
'numerical_question') whose tolerance is the grader's (half a unit of the key's
last digit, in the blank's unit), the exact count also right where the key
accepts it; a word (a layer name) a short-answer question. Each variant is
one category (Moodle, GIFT) or one assessment (QTI), so every student can be
given their own. The question text carries what the blank needs (its exercise's
prompt, and for a table cell the table's row), the feedback the key's worked
arithmetic.

>>> from .build import make_sheets
>>> files = lms_files(make_sheets("alexnet", groups=("memory",), rows=("conv1",)), ["gift"])
>>> print(files["questions-gift.txt"].splitlines()[0])
$CATEGORY: archcost/alexnet-s0
"""

from __future__ import annotations

import io
import zipfile
from fractions import Fraction
from html import escape
from xml.sax.saxutils import quoteattr

from .model import Blank, Table

LMS_FORMATS = ("moodle", "gift", "qti")
FILES = {"moodle": "questions-moodle.xml", "gift": "questions-gift.txt", "qti": "questions-qti.zip"}
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)   # no clock in the file: same class, same bytes


def _num(x) -> str:
    """A number as an LMS reads it: no separators, exact decimals ('784', '54.25', '0.005')."""
    if isinstance(x, float):
        x = Fraction(repr(x))
    x = Fraction(x)
    if x.denominator == 1:
        return str(x.numerator)
    text = f"{float(x):.12f}".rstrip("0")
    return text.rstrip(".")


class Question:
    """One blank with everything the three formats need, in the sheet's language."""

    def __init__(self, sheet, n: int, blank: Blank, section, tr):
        self.sheet, self.n, self.blank = sheet, n, blank
        self.name = f"{sheet.id} #{n} {blank.id}"
        unit = f" ({tr(blank.unit)})" if blank.unit and f"({blank.unit})" not in blank.label else ""
        context = [tr(p) for p in section.prompt]
        row = _row_of(section, blank)
        self.label = tr(blank.label) + unit
        self.text_lines = [tr(section.title)] + context
        self.row = None if row is None else ([tr(h) for h in row[0]], row[1])
        rules = [] if sheet.info.get("exam") else list(dict.fromkeys((*sheet.conventions, *section.rules)))
        self.rules, self.rules_title = [tr(r) for r in rules], tr("Conventions")
        work = [text for group, _, text in section.work if group == blank.group]
        self.feedback = tr.worked("\n".join(work))
        self.word = isinstance(blank.exact, str)

    def answers(self) -> list[tuple[str, str]]:
        """(value, tolerance) pairs that are right: the key's figure, then accepted exact counts."""
        if self.word:
            return [(str(self.blank.rounded), "")]
        out = [(_num(self.blank.rounded), _num(self.blank.tolerance))]
        out += [(_num(Fraction(a) / 1), "0") for a in self.blank.accept if _num(a) != out[0][0]]
        return out

    def html(self) -> str:
        parts = [f"<p><b>{escape(self.text_lines[0])}</b></p>"] + [f"<p>{escape(p)}</p>" for p in self.text_lines[1:]]
        if self.row:
            head, cells = self.row
            parts.append("<table border=\"1\"><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr><tr>"
                         + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr></table>")
        parts.append(f"<p>({self.n}) {escape(self.label)}</p>")
        if self.rules:   # what the sheet's conventions block says, folded away
            parts.append(f"<details><summary>{escape(self.rules_title)}</summary><ul>"
                         + "".join(f"<li>{escape(r)}</li>" for r in self.rules) + "</ul></details>")
        return "\n".join(parts)

    def feedback_html(self) -> str:
        return f"<pre>{escape(self.feedback)}</pre>" if self.feedback else ""


def _row_of(section, blank):
    """(headers, cells) of the table row holding ``blank``: the other cells shown, its blanks '?'."""
    for part in section.parts:
        if isinstance(part, Table):
            for row in part.rows:
                if blank in row:
                    return part.headers, ["?" if isinstance(c, Blank) else str(c) for c in row]
    return None


def questions(sheets, lang=None) -> list[tuple[object, list[Question]]]:
    from ..i18n import catalog

    tr = catalog(lang)
    out = []
    for s in sheets:
        qs, n = [], 0
        for section in s.sections:
            for b in section_blanks(section):
                n += 1
                qs.append(Question(s, n, b, section, tr))
        out.append((s, qs))
    return out


def section_blanks(section) -> list[Blank]:
    from .model import Sheet

    return Sheet("", "", (), (), (section,)).blanks()


# ---------------------------------------------------------------- Moodle XML
def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def moodle(sheets, lang=None) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for sheet, qs in questions(sheets, lang):
        out.append(f'  <question type="category">\n    <category><text>$course$/archcost/{escape(sheet.id)}</text>'
                   f'</category>\n  </question>')
        for q in qs:
            kind = "shortanswer" if q.word else "numerical"
            out.append(f'  <question type="{kind}">')
            out.append(f"    <name><text>{escape(q.name)}</text></name>")
            out.append(f'    <questiontext format="html"><text>{_cdata(q.html())}</text></questiontext>')
            out.append(f'    <generalfeedback format="html"><text>{_cdata(q.feedback_html())}</text></generalfeedback>')
            out.append("    <defaultgrade>1</defaultgrade>\n    <penalty>0</penalty>\n    <hidden>0</hidden>")
            if q.word:
                out.append("    <usecase>0</usecase>")
            for value, tol in q.answers():
                out.append(f'    <answer fraction="100" format="moodle_auto_format"><text>{escape(value)}</text>'
                           + (f"<tolerance>{tol}</tolerance>" if not q.word else "")
                           + "<feedback format=\"html\"><text></text></feedback></answer>")
            if not q.word:
                out.append("    <unitgradingtype>0</unitgradingtype>\n    <showunits>3</showunits>")
            out.append("  </question>")
    out.append("</quiz>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- GIFT
def _gift(text: str) -> str:
    """GIFT's special characters escaped: ~ = # { } : and the backslash."""
    for ch in "\\~=#{}:":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", "\\n")


def gift(sheets, lang=None) -> str:
    out = []
    for sheet, qs in questions(sheets, lang):
        out.append(f"$CATEGORY: archcost/{sheet.id}\n")
        for q in qs:
            fb = f"####{_gift(q.feedback_html())}" if q.feedback else ""
            if q.word:
                body = "{=" + _gift(q.answers()[0][0]) + fb + "}"
            else:
                body = "{#" + " ".join(f"={v}:{t}" for v, t in q.answers()) + fb + "}"
            out.append(f"::{_gift(q.name)}::[html]{_gift(q.html())}{body}\n")
    return "\n".join(out)


# ---------------------------------------------------------------- QTI 1.2 (Canvas)
QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
MANIFEST_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"


def _field(label, entry) -> str:
    return f"<qtimetadatafield><fieldlabel>{label}</fieldlabel><fieldentry>{entry}</fieldentry></qtimetadatafield>"


def _qti_item(q: Question, ident: str) -> str:
    kind = "short_answer_question" if q.word else "numerical_question"
    fib = '<render_fib>' if q.word else '<render_fib fibtype="Decimal">'
    conds = []
    for value, tol in q.answers():
        if q.word or tol == "0":
            conds.append(f'<varequal respident="response1">{escape(value)}</varequal>')
        else:
            lo, hi = Fraction(value) - Fraction(tol), Fraction(value) + Fraction(tol)
            conds.append(f'<and><vargte respident="response1">{_num(lo)}</vargte>'
                         f'<varlte respident="response1">{_num(hi)}</varlte></and>')
    cond = conds[0] if len(conds) == 1 else "<or>" + "".join(conds) + "</or>"
    feedback = ""
    show = ""
    if q.feedback:
        show = ('<respcondition continue="Yes"><conditionvar><other/></conditionvar>'
                '<displayfeedback feedbacktype="Response" linkrefid="general_fb"/></respcondition>')
        feedback = ('<itemfeedback ident="general_fb"><flow_mat><material><mattext texttype="text/html">'
                    f"{escape(q.feedback_html())}</mattext></material></flow_mat></itemfeedback>")
    return (f"<item ident={quoteattr(ident)} title={quoteattr(q.name)}>"
            f"<itemmetadata><qtimetadata>{_field('question_type', kind)}{_field('points_possible', '1.0')}"
            f"</qtimetadata></itemmetadata>"
            f'<presentation><material><mattext texttype="text/html">{escape(q.html())}</mattext></material>'
            f'<response_str ident="response1" rcardinality="Single">{fib}<response_label ident="answer1"/>'
            f"</render_fib></response_str></presentation>"
            f'<resprocessing><outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/>'
            f"</outcomes>{show}<respcondition continue=\"No\"><conditionvar>{cond}</conditionvar>"
            f'<setvar action="Set" varname="SCORE">100</setvar></respcondition></resprocessing>{feedback}</item>')


def qti(sheets, lang=None) -> bytes:
    """A zip Canvas imports (Settings > Import course content > QTI .zip): a manifest and one
    assessment (quiz) per variant."""
    buf = io.BytesIO()
    resources = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def put(name, text):
            info = zipfile.ZipInfo(name, _ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))

        for sheet, qs in questions(sheets, lang):
            ident = f"archcost-{sheet.id}"
            items = "".join(_qti_item(q, f"{ident}-{q.n}") for q in qs)
            put(f"{ident}/{ident}.xml",
                f'<?xml version="1.0" encoding="UTF-8"?>\n<questestinterop xmlns="{QTI_NS}">'
                f"<assessment ident={quoteattr(ident)} title={quoteattr(sheet.id)}>"
                f'<section ident="root_section">{items}</section></assessment></questestinterop>\n')
            resources.append(f'<resource identifier={quoteattr(ident)} type="imsqti_xmlv1p2">'
                             f'<file href="{ident}/{ident}.xml"/></resource>')
        put("imsmanifest.xml",
            f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest identifier="archcost-class" xmlns="{MANIFEST_NS}">'
            "<metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion></metadata>"
            f"<organizations/><resources>{''.join(resources)}</resources></manifest>\n")
    return buf.getvalue()


def lms_files(sheets, formats, lang=None) -> dict:
    writers = {"moodle": moodle, "gift": gift, "qti": qti}
    return {FILES[f]: writers[f](sheets, lang) for f in formats}
