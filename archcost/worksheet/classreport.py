"""What a graded class tells the teacher: per cell the share wrong, the common wrong values and
the mistake behind them; possible copies; the gradebook in the columns an LMS imports.

Gradebook columns (``archcost grade --gradebook``):

- ``moodle``: ``ID number``, ``Email address``, ``Full name``, the assignment's score (0-100),
  ``Feedback``. Moodle: Grades > Import > CSV file, map 'ID number' (or 'Email address') to the
  user field of the same name, the score column to the grade item, 'Feedback' to its feedback.
- ``canvas``: ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, the
  assignment's points; Canvas matches students by ``SIS User ID`` (the roster's id) and the
  empty ``ID``; Grades > Import.
- ``csv``: ``id``, ``name``, ``email``, ``variant``, ``file``, ``right``, ``total``, ``score``,
  ``feedback``.

A student on the roster who handed nothing in gets an empty score.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from ..render.formats import emit
from .grade import mark
from .roster import Student, students_of

MIN_COPIED = 3   # cells right by another student's key (and wrong by one's own) that flag a copy


def _who(result, students) -> str:
    st = students.get(result.variant)
    return f"{st.name} ({st.id})" if st else result.file


def cell_summary(results, key) -> list[dict]:
    """Per cell, in the key's order: answered, wrong, share wrong, common wrong values, mistakes."""
    graded = [r for r in results if r.marks]
    order, label = [], {}
    for r in graded:
        for m in r.marks:
            if m.cell not in label:
                order.append(m.cell)
                label[m.cell] = m.label
    rows = []
    for cell in order:
        marks = [m for r in graded for m in r.marks if m.cell == cell]
        wrong = [m for m in marks if not m.right]
        values = Counter(m.answer.strip() or "-" for m in wrong)
        behind = {}
        for m in wrong:
            if m.mistake:
                behind.setdefault(m.answer.strip(), m.mistake)
        mistakes = Counter(m.mistake for m in wrong if m.mistake)
        rows.append({"cell": cell, "label": label[cell], "answered": len(marks), "wrong": len(wrong),
                     "share_wrong": round(100 * len(wrong) / len(marks), 1) if marks else 0.0,
                     "wrong_values": [(v, n, behind.get(v, "")) for v, n in values.most_common(3)],
                     "mistakes": mistakes.most_common()})
    return rows


def copies(results, key) -> list[str]:
    """Two files for one variant; a file whose answers are right by another variant's key
    (at least :data:`MIN_COPIED` cells, and more than half of those it answered) and wrong by its own."""
    students = students_of(key)
    flags = []
    by_variant = defaultdict(list)
    for r in results:
        if r.marks:
            by_variant[r.variant].append(r)
    for variant, rs in by_variant.items():
        for a, b in zip(rs, rs[1:]):
            flags.append(f"{a.file} and {b.file} hand in the same variant {variant}")
    for r in results:
        if not r.marks:
            continue
        answered = {m.cell: m for m in r.marks if m.answer.strip() and not m.right}
        if len(answered) < MIN_COPIED:
            continue
        for other, sheet in key.items():
            if other == r.variant:
                continue
            blanks = {b["cell"]: b for b in sheet["blanks"]}
            n = sum(1 for c, m in answered.items() if c in blanks and mark(blanks[c], m.answer)[0])
            if n >= MIN_COPIED and 2 * n > len(answered):
                owner = f"{students[other].name} ({students[other].id})" if other in students else other
                flags.append(f"{_who(r, students)} answers {n} of {len(r.marks)} cells with the key of {owner} "
                             f"({other})")
    return flags


def render_summary(results, key, lang=None, fmt: str = "text") -> str:
    """The class summary as text, or every figure of it as json (cells, then the copies flagged)."""
    import json

    from ..i18n import catalog, simple_table

    tr = catalog(lang)
    rows = cell_summary(results, key)
    if fmt == "json":
        cells = [dict(r, wrong_values=[{"answer": v, "count": n, "mistake": m} for v, n, m in r["wrong_values"]],
                      mistakes=[{"mistake": m, "count": n} for m, n in r["mistakes"]]) for r in rows]
        return json.dumps({"cells": cells, "copies": copies(results, key)}, indent=2, ensure_ascii=False) + "\n"
    body = []
    for row in rows:
        values = "; ".join(f"{v} x{n}" + (f" ({tr(m)})" if m else "") for v, n, m in row["wrong_values"])
        behind = "; ".join(f"{tr(m)} x{n}" for m, n in row["mistakes"])
        body.append([tr(row["label"]), f"{row['wrong']}/{row['answered']}", f"{row['share_wrong']:g}%", values, behind])
    graded = sum(1 for r in results if r.marks)
    out = [tr(f"Class summary: {graded} students"),
           simple_table([tr("cell"), tr("wrong"), tr("share wrong"), tr("common wrong values"),
                         tr("the mistake behind them")], body, right=(1, 2))]
    flags = copies(results, key)
    if flags:
        out.append(f"{tr('possible copies')}:\n" + "".join(f"  {tr(f)}\n" for f in flags).rstrip("\n"))
    return "\n\n".join(out) + "\n"


def feedback(result, lang=None) -> str:
    """One line for a gradebook: each wrong cell with its expected figure and the mistake named."""
    from ..i18n import catalog

    tr = catalog(lang)
    parts = []
    for m in result.marks:
        if not m.right:
            parts.append(f"({m.n}) {tr(m.label)}: {m.answer or '-'} -> {m.expected}"
                         + (f", {tr(f'likely mistake: {m.mistake}')}" if m.mistake else ""))
    return "; ".join(parts)


def render_gradebook(results, key, kind: str, students=None, assignment: str = "archcost", lang=None) -> str:
    """The class's scores as ``kind`` (moodle, canvas, csv) imports them, one row per student:
    those of the roster (``students``) in its order, or those key.json names, or one per file."""
    named = students_of(key)
    roster = list(students or named.values())
    by_id = {}
    for r in results:
        st = named.get(r.variant)
        if st is not None and r.marks:
            by_id.setdefault(st.id, r)
    rows_out = []
    if roster:
        people = [(st, by_id.get(st.id)) for st in roster]
    else:
        people = [(Student(r.file, r.file), r) for r in results]
    for st, r in people:
        score = "" if r is None or r.score is None else f"{r.score:g}"
        fb = feedback(r, lang) if r is not None else ""
        if kind == "moodle":
            rows_out.append([st.id, st.email, st.name, score, fb])
        elif kind == "canvas":
            rows_out.append([st.name, "", st.id, "", "", score])
        else:
            rows_out.append([st.id, st.name, st.email, r.variant if r else "", r.file if r else "",
                             r.right if r else "", len(r.marks) if r else "", score, fb])
    headers = {"moodle": ["ID number", "Email address", "Full name", assignment, "Feedback"],
               "canvas": ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment],
               "csv": ["id", "name", "email", "variant", "file", "right", "total", "score", "feedback"]}[kind]
    return emit(headers, rows_out, "csv")
