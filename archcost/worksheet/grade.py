"""Grading: students' answers CSVs against the key.json the worksheet wrote, one file or a class.

An answer is right when, in its blank's unit, it rounds half up to the key's
figure (784, 784.0, "784 KB" and 783.6 for 784 KB; "23k" for 23 k), or when
it is one of the exact counts the key accepts (23,296 in the params (k)
column). A word answer (a layer name) matches ignoring case and spaces.
Answers left empty are wrong, not problems.

Problems are reported as one line naming the file and the row, never as a
traceback, and one bad file never stops the rest of the class: an empty file,
missing columns or an unknown variant id leave that file ungraded; a bad row
(text where a number belongs, a cell the key does not have, a cell given
twice, a second variant) is marked wrong and the rest of the file is graded.
``archcost grade`` exits with 2 when any problem was reported, after grading
everything it could, and 0 otherwise.

>>> key = {"v": {"id": "v", "blanks": [{"n": 1, "cell": "conv1.memory", "label": "conv1: memory (KB)",
...        "exact": 784.0, "rounded": 784, "unit": "KB", "decimals": 0, "accept": []}]}}
>>> [m.right for m in grade_text("a.csv", "variant,cell,answer\\nv,conv1.memory,784 KB\\n", key).marks]
[True]
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import stat
from dataclasses import dataclass, replace
from fractions import Fraction

from ..errors import ArchcostError, one_line
from ..render.formats import emit, half_up
from .build import KEY_FORMAT

UNITS = {"": {""}, "KB": {"", "kb", "kib", "kbytes"}, "k": {"", "k", "thousand"},
         "M": {"", "m", "mflop", "mflops", "million", "mflop(s)"}, "%": {"", "%", "percent"}}
_NUMBER = re.compile(r"^([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?)\s*([A-Za-z%()]*)$")


@dataclass(frozen=True)
class Mark:
    n: int
    cell: str
    label: str
    answer: str
    expected: str
    right: bool
    why: str = ""
    credit: float = -1.0     # the share of the blank's points; -1: 1 when right, 0 when not
    mistake: str = ""        # the mistake the wrong answer's value matches (mistakes.py)
    weight: float = 1.0      # the blank's exercise's weight

    @property
    def points(self) -> float:
        return (1.0 if self.right else 0.0) if self.credit < 0 else self.credit


@dataclass(frozen=True)
class Credit:
    """Partial credit: ``unit`` for the right value in another unit (784 KB written as 802,816
    bytes), ``carry`` for a cell right from the student's own wrong output shape, ``weights`` per
    exercise name (the others weigh 1)."""

    unit: float = 0.0
    carry: float = 0.0
    weights: dict = None

    def weight(self, blank: dict) -> float:
        return float((self.weights or {}).get(blank.get("exercise"), 1.0))


# how a value in the blank's unit is written in other units: the unit's name and the factor to it
OTHER_UNITS = {"KB": {"bytes": 1024, "b": 1024, "byte": 1024, "mb": Fraction(1, 1024)},
               "k": {"m": Fraction(1, 1000), "million": Fraction(1, 1000)},
               "M": {"k": 1000, "thousand": 1000, "g": Fraction(1, 1000), "gflops": Fraction(1, 1000)}}


@dataclass(frozen=True)
class Result:
    file: str
    variant: str | None
    marks: tuple = ()
    problems: tuple = ()

    @property
    def right(self) -> int:
        return sum(m.right for m in self.marks)

    @property
    def score(self) -> float | None:
        """Percent of the points: each blank's credit times its exercise's weight."""
        total = sum(m.weight for m in self.marks)
        return round(100 * sum(m.points * m.weight for m in self.marks) / total, 1) if total else None

    def to_dict(self) -> dict:
        return {"file": self.file, "variant": self.variant, "right": self.right, "total": len(self.marks),
                "score": self.score, "problems": list(self.problems),
                "marks": [{"n": m.n, "cell": m.cell, "answer": m.answer, "expected": m.expected,
                           "right": m.right, **({"why": m.why} if m.why else {}),
                           **({"mistake": m.mistake} if m.mistake else {}),
                           **({"credit": m.credit} if m.credit >= 0 else {})} for m in self.marks]}


MAX_FILE_BYTES = 10 * 1024 * 1024   # a key or an answers file: a class's is a few KB
MAX_DECIMALS = 6
MAX_FIGURE = 10**30                 # no blank's figure is larger (a tensor has at most 2**64 elements)
MAX_NUMBER_CHARS = 60               # '1,234,567,890,123,456,789,012 KB' fits; 4,301 digits do not


def read_regular(path: str) -> bytes:
    """The bytes of a regular file, at most MAX_FILE_BYTES; OSError for anything else (a FIFO or a
    device named *.csv would block or never end: opened without waiting, and refused)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a device, a pipe or a socket)")
        raw = fh.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise OSError(errno.EFBIG, f"larger than {MAX_FILE_BYTES:,} bytes")
    return raw


def load_key(path: str) -> dict:
    """key.json -> {variant id: sheet}; a file that is not a worksheet key, or a damaged one
    (wrong types, missing fields, impossible numbers), is one error."""
    fix = "give the key.json that archcost worksheet wrote (the same --seed writes it again)"
    try:
        doc = json.loads(read_regular(path).decode("utf-8"))
    except OSError as exc:
        raise ArchcostError(f"cannot read the key ({exc.strerror or exc})", fix, file=path) from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:   # ValueError: bad JSON, 4,301-digit ints
        what = "is nested too deeply" if isinstance(exc, RecursionError) else f"is not JSON ({str(exc)[:80]})"
        raise ArchcostError(f"the key {what}", fix, file=path) from None
    if not isinstance(doc, dict) or doc.get("format") != KEY_FORMAT or not isinstance(doc.get("sheets"), list):
        raise ArchcostError("is not a worksheet key", fix, file=path)
    try:
        return {_check_sheet(s): s for s in doc["sheets"]}
    except ValueError as exc:
        raise ArchcostError(f"the key is damaged: {exc}", fix, file=path) from None


def _figure(v, what: str):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not abs(v) < MAX_FIGURE:   # nan fails too
        raise ValueError(f"{what} must be a number below 10**30, got {str(v)[:40]}")
    return v


def _check_sheet(sheet) -> str:
    """The sheet's id, after checking every field grading reads; ValueError names the first bad one."""
    if not isinstance(sheet, dict) or not isinstance(sheet.get("id"), str) or not isinstance(sheet.get("blanks"), list):
        raise ValueError("a sheet must have an 'id' (text) and 'blanks' (a list)")
    for i, b in enumerate(sheet["blanks"], 1):
        where = f"sheet {sheet['id']!r}, blank {i}"
        if not isinstance(b, dict):
            raise ValueError(f"{where} is not a mapping")
        for name in ("cell", "label", "unit"):
            if not isinstance(b.get(name), str):
                raise ValueError(f"{where}: '{name}' must be text")
        if b["unit"] not in UNITS:
            raise ValueError(f"{where}: unknown unit {b['unit']!r}")
        if isinstance(b.get("n"), bool) or not isinstance(b.get("n"), int):
            raise ValueError(f"{where}: 'n' must be a whole number")
        if not isinstance(b.get("rounded"), str):
            _figure(b.get("rounded"), f"{where}: 'rounded'")
        d = b.setdefault("decimals", 0)
        if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= MAX_DECIMALS:
            raise ValueError(f"{where}: 'decimals' must be a whole number from 0 to {MAX_DECIMALS}, got {str(d)[:40]}")
        accept = b.setdefault("accept", [])
        if not isinstance(accept, list):
            raise ValueError(f"{where}: 'accept' must be a list")
        for a in accept:
            _figure(a, f"{where}: an 'accept' value")
    return sheet["id"]


def parse_number(text: str) -> tuple[Fraction, str] | None:
    """'23,296' -> (23296, ''); '784 KB' -> (784, 'kb'); '54,25' -> (54.25, ''); 'abc' -> None."""
    t = text.strip().replace("\u2212", "-")
    if len(t) > MAX_NUMBER_CHARS:   # Python refuses to read an integer of more than 4,300 digits
        return None
    if re.fullmatch(r"[-+]?\d+,\d{1,2}", t):      # a decimal comma: 54,25
        t = t.replace(",", ".")
    m = _NUMBER.match(t)
    if not m or not re.search(r"\d", m.group(1)):
        return None
    return Fraction(m.group(1).replace(",", "")), m.group(2).lower()


def _word(s) -> str:
    return re.sub(r"\s+", "", str(s)).lower().replace("\u00d7", "x")


def mark(blank: dict, answer: str) -> tuple[bool, str, bool]:
    """(right, why, readable) for one answer against one blank of the key."""
    expected = blank["rounded"]
    if not answer.strip():
        return False, "no answer", True
    if isinstance(expected, str):
        ok = _word(answer) == _word(expected)
        return ok, "" if ok else "wrong", True
    parsed = parse_number(answer)
    if parsed is None:
        return False, f"'{clip(answer)}' is not a number", False
    x, unit = parsed
    if unit not in UNITS.get(blank["unit"], {""}):
        return False, f"the unit '{unit}' is not {blank['unit'] or 'a plain number'}", True
    d = blank.get("decimals", 0)
    if half_up(x * 10**d) == half_up(Fraction(str(expected)) * 10**d):
        return True, "", True
    if any(x == Fraction(str(a)) for a in blank.get("accept", [])):
        return True, "", True
    return False, "wrong", True


def parse_weights(texts) -> dict:
    """('findings=2', 'table=0.5') -> {'findings': 2.0, 'table': 0.5}; a bad one is an error line."""
    out = {}
    for t in texts:
        name, _, w = t.partition("=")
        try:
            out[name.strip()] = float(w)
        except ValueError:
            raise ArchcostError(f"--weight {t}: expected EXERCISE=NUMBER", "write e.g. --weight findings=2") from None
        if out[name.strip()] < 0 or not name.strip():
            raise ArchcostError(f"--weight {t}: expected EXERCISE=NUMBER of 0 or more", "write e.g. --weight table=2")
    return out


def _same(x: Fraction, target, decimals: int) -> bool:
    d = decimals
    return half_up(x * 10**d) == half_up(Fraction(str(target)) * 10**d)


def diagnose(blank: dict, answer: str) -> str:
    """The mistake (mistakes.py) whose figure a wrong answer is: '' when none is."""
    parsed = parse_number(answer) if answer.strip() else None
    for m in blank.get("mistakes", ()):
        if isinstance(m["rounded"], str) or parsed is None:
            if _word(answer) == _word(m["rounded"]):
                return m["mistake"]
            continue
        x = parsed[0]
        if _same(x, m["rounded"], blank.get("decimals", 0)) or x == Fraction(str(m["exact"])):
            return m["mistake"]
    return ""


def in_other_unit(blank: dict, answer: str) -> str:
    """The other unit the answer's number is the right value in ('bytes' for 802,816 in a KB
    blank), or ''."""
    parsed = parse_number(answer)
    if parsed is None or isinstance(blank["rounded"], str) or blank["unit"] not in OTHER_UNITS:
        return ""
    x, unit = parsed
    units = OTHER_UNITS[blank["unit"]]
    names = [unit] if unit in units else list(dict.fromkeys(units)) if unit in UNITS.get(blank["unit"], {""}) else []
    exact = Fraction(str(blank["exact"])) / blank.get("scale", 1)
    for name in names:
        factor = units[name]
        if x != 0 and (x == exact * factor or _same(x / factor, blank["rounded"], blank.get("decimals", 0))):
            return name
    return ""


def _own(answers: dict, cell: str):
    parsed = parse_number(answers.get(cell, (None, ""))[1] or "")
    return None if parsed is None or parsed[0].denominator != 1 else int(parsed[0])


def carried_from_above(blank: dict, answers: dict):
    """(the blank's value recomputed by its row's op from the student's own output of the row above
    (key.json's carry_in), those cells) when they answered that with other numbers; else None."""
    from .mistakes import recompute_from

    carry = blank.get("carry_in")
    if not carry:
        return None
    c, h, w = carry["input"]
    own = {cell.rsplit(".", 1)[1]: _own(answers, cell) for cell in carry["cells"]}
    if None in own.values():
        return None
    c2, h2 = own.get("c_out", c), own.get("hw_out", h)
    if (c2, h2) == (c, h) or min(c2, h2) < 1:
        return None
    values = recompute_from(carry, (c2, h2, h2 if h == w else w))
    v = values and values.get(blank["cell"].rsplit(".", 1)[1])
    return None if v is None or isinstance(v, str) else (Fraction(str(v)) / blank.get("scale", 1), carry["cells"])


def carried_value(blank: dict, answers: dict):
    """(the blank's value computed from the student's own answers to its row's output cells, those
    cells) when they answered one of them with another number (else from the row above's:
    carried_from_above); else None."""
    carry = blank.get("carry")
    if not carry:
        return carried_from_above(blank, answers)
    c, h, w = carry["shape"]
    own = {}
    for cell in carry["cells"]:
        parsed = parse_number(answers.get(cell, (None, ""))[1] or "")
        if parsed is None:
            return carried_from_above(blank, answers)
        own[cell.rsplit(".", 1)[1]] = parsed[0]
    c2, h2 = own.get("c_out", c), own.get("hw_out", h)
    if (c2, h2) == (c, h):
        return carried_from_above(blank, answers)
    w2 = h2 if h == w else w
    return Fraction(str(carry["per_element"])) * c2 * h2 * w2 / blank.get("scale", 1), carry["cells"]


def _expected(blank: dict) -> str:
    r = blank["rounded"]
    shown = r if isinstance(r, str) else f"{r:,}" if blank.get("decimals", 0) == 0 else f"{r:,.{blank['decimals']}f}"
    return f"{shown} {blank['unit']}".rstrip()


def clip(text: str) -> str:
    """Text from an answers file as grade prints it: on one line (control characters and line
    breaks escaped, so an answer cannot print a line of its own, such as a forged 'error:'),
    and short.

    >>> print(clip("1\\nerror: forged"), clip("9" * 4301))
    1\\nerror: forged 9999999999999999... (4,301 characters)
    """
    text = one_line(text)
    return text if len(text) <= 40 else f"{text[:16]}... ({len(text):,} characters)"


def _rows(name: str, text: str):
    """The CSV's rows as dicts with their row numbers, or a problem."""
    first = text.splitlines()[0] if text.strip() else ""
    delim = ";" if ";" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delim, strict=True)   # strict: an unclosed quote is an error
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in ("variant", "cell", "answer") if c not in header]
    if missing:
        return None, (f"{name}: row 1: the columns are {', '.join(header) or 'none'}; expected at least "
                      "variant, cell and answer (the answers template the worksheet wrote)")
    rows, i = [], 1
    try:
        for i, row in enumerate(reader, 2):
            if any(c.strip() for c in row):
                rows.append((i, {h: (row[j].strip() if j < len(row) else "") for j, h in enumerate(header)}))
    except csv.Error as exc:
        raise csv.Error(f"row {i + 1}: {exc}") from None   # the row being read when it broke
    return rows, None


def grade_text(name: str, text: str, key: dict, credit: Credit | None = None) -> Result:
    """Grade one answers CSV given as text (``name`` is only for messages)."""
    if not text.strip():
        return Result(name, None, problems=(f"{name}: the file is empty; expected the answers template "
                                            "(variant, cell, answer columns, one row per blank)",))
    try:
        rows, problem = _rows(name, text)
    except csv.Error as exc:
        return Result(name, None, problems=(f"{name}: not a readable CSV file ({exc}); check the quotes there",))
    if problem:
        return Result(name, None, problems=(problem,))
    if not rows:
        return Result(name, None, problems=(f"{name}: no answer rows below the header",))
    row0, first = rows[0]
    variant = first["variant"]
    if variant not in key:
        known = ", ".join(list(key)[:3]) + (", ..." if len(key) > 3 else "")
        return Result(name, variant, problems=(f"{name}: row {row0}: unknown variant '{variant}'; the key has {known}",))
    blanks = {b["cell"]: b for b in key[variant]["blanks"]}
    answers, problems = {}, []
    for i, row in rows:
        cell = row["cell"]
        if row["variant"] != variant:
            problems.append(f"{name}: row {i}: variant '{row['variant']}' after '{variant}'; one student per file")
        elif cell not in blanks:
            problems.append(f"{name}: row {i}: the key of {variant} has no cell '{cell}'")
        elif cell in answers:
            problems.append(f"{name}: row {i}: cell '{cell}' is answered twice; the first answer counts")
        else:
            answers[cell] = (i, row["answer"])
    marks = []
    credit = credit or Credit()
    for b in key[variant]["blanks"]:
        i, answer = answers.get(b["cell"], (None, ""))
        right, why, readable = mark(b, answer)
        if not readable:
            problems.append(f"{name}: row {i}: {why} (cell {b['cell']}, in {b['unit'] or 'a plain number'})")
        points, mistake = -1.0, ""
        if not right and answer.strip():
            mistake = diagnose(b, answer)
            unit = in_other_unit(b, answer)
            carried = carried_value(b, answers)
            parsed = parse_number(answer)
            d = b.get("decimals", 0)
            if unit:
                why, points = f"right value in the wrong unit ({unit}): {credit.unit:g} credit", credit.unit
            elif carried is not None and parsed and (credit.carry > 0 or not mistake) and _same(
                    parsed[0], half_up(carried[0] * 10**d) / Fraction(10**d), d):
                src = " ".join(carry_cells := carried[1])
                own = ", ".join(answers[c][1] for c in carry_cells)
                why, points = f"carried forward from your {src} = {own}: {credit.carry:g} credit", credit.carry
            elif mistake:
                why = f"likely mistake: {mistake}"
        marks.append(Mark(b["n"], b["cell"], b["label"], answer, _expected(b), right, why, points, mistake,
                          credit.weight(b)))
    return Result(name, variant, tuple(marks), tuple(problems))


def answer_files(paths) -> list[str]:
    """Files as given; a folder gives its *.csv files, sorted. No file at all is an error."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            try:
                out += sorted(os.path.join(p, f) for f in os.listdir(p) if f.lower().endswith(".csv"))
            except OSError as exc:
                raise ArchcostError(f"cannot list the folder '{one_line(p)}' ({exc.strerror})",
                                    "check its permissions") from None
        else:
            out.append(p)
    if not out:
        raise ArchcostError(f"no answers found: {', '.join(one_line(p) for p in paths)} holds no *.csv file",
                            "name the students' answers CSVs, or the folder that holds them")
    return out


def grade_files(key_path: str, paths, credit: Credit | None = None) -> list[Result]:
    """Grade every answers file (folders expanded); unreadable files become problems, not errors."""
    key = load_key(key_path)
    results = []
    for path in answer_files(paths):
        try:
            text = read_regular(path).decode("utf-8-sig")
        except UnicodeDecodeError:
            result = Result(path, None, problems=(f"{path}: not a UTF-8 text file; save it as CSV (UTF-8)",))
        except OSError as exc:
            result = Result(path, None, problems=(f"{path}: cannot be read ({exc.strerror or exc})",))
        else:
            result = grade_text(path, text, key, credit)
        # one line each, whatever a file's name or its answers hold
        results.append(replace(result, file=one_line(str(result.file)), problems=tuple(map(one_line, result.problems))))
    return results


def render_grades(results, fmt: str = "text", lang: str | None = None) -> str:
    """Per-cell marks and a score per file (text), or one gradebook row per file (csv), or all (json).
    ``lang`` translates the text report (:mod:`archcost.i18n`)."""
    from tabulate import tabulate

    from ..i18n import catalog, simple_table

    tr = catalog(lang)

    if fmt == "json":
        return json.dumps({"files": [r.to_dict() for r in results]}, indent=2) + "\n"
    if fmt == "csv":
        rows = [[r.file, r.variant or "", r.right, len(r.marks), "" if r.score is None else r.score,
                 " ".join(m.cell for m in r.marks if not m.right), len(r.problems)] for r in results]
        return emit(["file", "variant", "right", "total", "score", "wrong", "problems"], rows, "csv")
    out = []
    for r in results:
        if not r.marks:
            out.append(tr(f"{r.file}: not graded ({len(r.problems)} problem(s), see above)") + "\n")
            continue
        out.append(tr(f"{r.file}: variant {r.variant}: {r.right}/{len(r.marks)} right, score {r.score}%"))
        body = [[m.n, tr(one_line(m.label)), clip(m.answer) if m.answer else "-",
                 tr("right" if m.right else f"{m.why}: expected {m.expected}")
                 if m.why.startswith(("wrong", "no answer", "'", "the unit")) or m.right
                 else tr(m.why) + "; " + tr(f"expected {m.expected}")] for m in r.marks]
        heads = [tr(h) for h in ("n", "cell", "answer", "mark")]
        out.append((simple_table(heads, body, right=(0, 2)) if tr else
                    tabulate(body, headers=heads, tablefmt="simple", disable_numparse=True,
                             colalign=("right", "left", "right", "left"))) + "\n")
    graded = [r.score for r in results if r.score is not None]
    if len(results) > 1:
        mean = f", mean score {round(sum(graded) / len(graded), 1)}%" if graded else ""
        out.append(tr(f"{len(graded)} of {len(results)} file(s) graded{mean}") + "\n")
    return "\n".join(out)
