"""Languages: every text a student or teacher reads, translated from gettext catalogs.

The English text is written in the code, as today, and stays the default:
``--lang en`` changes nothing. Another language is one gettext catalog,
``archcost/locale/<lang>.po`` (Korean: ``ko.po``), read by the small stdlib-only
loader below. A ``msgid`` is the English text; one flagged
``#, python-brace-format`` is a pattern whose ``{name}`` parts match any text
and are carried into its ``msgstr`` (themselves translated when the catalog
has them). Text is translated where it is shown (a sheet's blocks, a grading
line, a quiz prompt), whole when the catalog has the whole text, else sentence
by sentence; worked arithmetic line by line, its labels re-aligned.

Adding a language: copy ``ko.po`` to ``xx.po``, set ``Language: xx`` in its
header, translate every ``msgstr`` (keep each ``{name}`` of its msgid), and
``--lang xx`` works; ``tests/test_i18n.py`` checks every catalog's entries and
placeholders.

>>> ko = catalog("ko")
>>> ko("memory (KB)")
'메모리 (KB)'
>>> ko("conv1: memory (KB)")
'conv1: 메모리 (KB)'
>>> catalog("en")("conv1: memory (KB)")
'conv1: memory (KB)'
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache

from .errors import ArchcostError

LOCALE_DIR = os.path.join(os.path.dirname(__file__), "locale")
DEFAULT = "en"
_FIELD = re.compile(r"\{(\w+)\}")
_SENTENCE = re.compile(r"(?<=[.?!:;])\s+(?=[A-Z('\"])")
_WORDS = re.compile(r"[A-Za-z]{3}")      # text with words in it (not '(56 - 3) / 2 + 1 = 27.5')
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def languages() -> list[str]:
    """'en' and every language with a catalog."""
    try:
        names = sorted(f[:-3] for f in os.listdir(LOCALE_DIR) if f.endswith(".po"))
    except OSError:
        names = []
    return [DEFAULT] + [n for n in names if n != DEFAULT]


def _unquote(s: str, path: str, line: int) -> str:
    s = s.strip()
    if len(s) < 2 or s[0] != '"' or s[-1] != '"':
        raise ArchcostError(f"{path}:{line}: expected a quoted string, got {s[:40]!r}",
                            "write each msgid/msgstr line as \"text\"", file=path)
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), s[1:-1])


def parse_po(text: str, path: str = "<po>") -> list[tuple[str, str, set]]:
    """A .po file's entries as (msgid, msgstr, flags); the header (empty msgid) is flagged
    'header', untranslated entries (empty msgstr) are left out."""
    entries, cur, field, flags = [], {}, None, set()

    def flush():
        nonlocal cur, flags
        if cur.get("msgid") and cur.get("msgstr"):
            entries.append((cur["msgid"], cur["msgstr"], flags))
        elif cur.get("msgid") == "" and cur.get("msgstr"):    # the header: 'Key: value' lines
            entries.append(("", cur["msgstr"], {"header"}))
        cur, flags = {}, set()

    for i, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            flush()
            field = None
        elif line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid ") or line.startswith("msgstr "):
            field, _, rest = line.partition(" ")
            if field == "msgid" and "msgid" in cur:
                flush()
            cur[field] = _unquote(rest, path, i)
        elif line.startswith('"') and field:
            cur[field] += _unquote(line, path, i)
        else:
            raise ArchcostError(f"{path}:{i}: cannot read {line[:40]!r}", "a .po entry is msgid \"...\" then "
                                "msgstr \"...\"", file=path)
    flush()
    return entries


def width(text: str) -> int:
    """Columns a monospaced terminal gives the text (Hangul and other wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class Catalog:
    """A language's translations, called on English text: ``catalog('ko')('Conventions')``."""

    def __init__(self, lang: str, entries=()):
        self.lang = lang
        self.exact: dict[str, str] = {}
        patterns = []
        self.header: dict[str, str] = {}
        for msgid, msgstr, flags in entries:
            if "header" in flags:
                self.header = dict(line.split(": ", 1) for line in msgstr.splitlines() if ": " in line)
            elif "python-brace-format" in flags and _FIELD.search(msgid):
                parts = re.split(r"(\{\w+\})", msgid)
                literal = sum(len(p) for p in parts if not _FIELD.fullmatch(p))
                for greed in ("?", ""):   # the shortest and the longest parts: the better one is taken
                    rx = "".join(f"(?P<{p[1:-1]}>.+{greed})" if _FIELD.fullmatch(p) else re.escape(p) for p in parts)
                    patterns.append((literal, re.compile(rx, re.S), msgstr))
            else:
                self.exact[msgid] = msgstr
        self.patterns = [(rx, out) for _, rx, out in sorted(patterns, key=lambda p: -p[0])]   # stable: lazy first
        self.missing: set[str] = set()

    def __bool__(self):
        return bool(self.exact or self.patterns)

    def __call__(self, text: str) -> str:
        if not self or not text:
            return text
        found = self._one(text, 0, whole=True)
        if found is not None:
            return found
        pieces = _SENTENCE.split(text)
        if len(pieces) > 1:
            return " ".join(self(p) for p in pieces)
        found = self._one(text, 0)     # a pattern whose parts are not all translated: better than none
        if found is None:
            self.missing.add(text)
        return text if found is None else found

    def _one(self, text: str, depth: int, whole: bool = False):
        """The translation of ``text`` by the catalog's entry or a pattern (with ``whole``, only a
        pattern whose every part that is a phrase is translated too)."""
        if text in self.exact:
            return self.exact[text]
        if depth > 3:
            return None
        best = None
        for rx, out in self.patterns:
            m = rx.fullmatch(text)
            if m:
                parts = {k: self._value(v, depth + 1) for k, v in m.groupdict().items()}
                left = sum(v == m.group(k) and " " in v and bool(_WORDS.search(v))   # untranslated phrases
                           for k, v in parts.items())
                if not left:
                    return out.format(**parts)
                if not whole and (best is None or left < best[0]):
                    best = (left, out.format(**parts))
        return best and best[1]

    def _value(self, text: str, depth: int) -> str:
        """A pattern's part: translated when the catalog has it, else each comma-separated piece."""
        found = self._one(text, depth)
        if found is None and ", " in text:
            return ", ".join(self._one(p, depth) or p for p in text.split(", "))
        return text if found is None else found

    def join(self, text: str, sep: str) -> str:
        """Each ``sep``-separated piece translated: a notes cell 'groups 32; no bias'."""
        return sep.join(self(p) for p in text.split(sep)) if self else text

    def worked(self, text: str) -> str:
        """Worked arithmetic, line by line: 'label   working' lines keep their working column."""
        if not self:
            return text
        out = []
        for line in text.split("\n"):
            m = re.fullmatch(r"(\s*)(\S.*?)(\s{2,})(\S.*)", line)
            label = m and self.exact.get(m.group(2))
            if label:
                col = len(m.group(1)) + len(m.group(2)) + len(m.group(3))
                lead = m.group(1) + label
                out.append(lead + " " * max(2, col - width(lead)) + m.group(4))
            else:
                found = self._one(line.strip(), 0)
                out.append(line[:len(line) - len(line.lstrip())] + found if found is not None else line)
        return "\n".join(out)


@lru_cache(maxsize=None)
def catalog(lang: str | None = None) -> Catalog:
    """The catalog of ``lang`` ('en' or None: English, no catalog); an unknown language is an error."""
    if not lang or lang == DEFAULT:
        return Catalog(DEFAULT)
    path = os.path.join(LOCALE_DIR, f"{lang}.po")
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", lang) or not os.path.isfile(path):
        raise ArchcostError(f"--lang {lang}: no such language", f"use one of {', '.join(languages())} "
                            f"(a new language is one file, archcost/locale/{lang}.po)")
    with open(path, encoding="utf-8") as fh:
        return Catalog(lang, parse_po(fh.read(), path))


def localize_blocks(doc: list, lang: str | None) -> list:
    """A sheet's blocks (:func:`archcost.worksheet.document.blocks`) with their text translated."""
    tr = catalog(lang)
    if not tr:
        return doc
    out = []
    for b in doc:
        kind = b[0]
        if kind == "h":
            n, title = re.fullmatch(r"(\d+\. )?(.*)", b[1], re.S).groups()
            out.append((kind, (n or "") + tr(title)))
        elif kind in ("title", "p"):
            out.append((kind, tr(b[1])))
        elif kind == "meta":
            out.append((kind, [(tr(k), v) for k, v in b[1]]))
        elif kind == "list":
            out.append((kind, [tr(x) for x in b[1]]))
        elif kind == "table":
            rows = [[tr.join(c, "; ") if isinstance(c, str) and re.search(r"[a-z]{2}", c) and j else c
                     for j, c in enumerate(row)] for row in b[2]]
            out.append((kind, [tr(h) for h in b[1]], rows))
        elif kind == "blanks":
            out.append((kind, [(c, tr(label), tr(unit)) for c, label, unit in b[1]]))
        elif kind == "pre":
            out.append((kind, tr(b[1]), tr.worked(b[2])))
        else:
            out.append(b)
    return out


def simple_table(headers, rows, right=()) -> str:
    """A table in tabulate's 'simple' layout, its columns measured in terminal columns (:func:`width`),
    so that Hangul lines up; columns whose index is in ``right`` are right-aligned."""
    rows = [[str(c) for c in r] for r in rows]
    cols = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells):
        out = []
        for i, (c, w) in enumerate(zip(cells, cols)):
            pad = " " * (w - width(c))
            out.append(pad + c if i in right else c + pad)
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), "  ".join("-" * w for w in cols)] + [line(r) for r in rows])
