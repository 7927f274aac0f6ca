"""What a worksheet is, whatever its format: parts (tables, questions) with numbered blanks.

A :class:`Blank` holds the answer and how it is graded: ``exact`` (a count,
a float such as 182.25, or a word such as a layer name), ``rounded`` (what
the key prints, rounded as the table rounds: half up to ``decimals`` places in
the column's unit) and ``accept`` (exact counts also taken as right, e.g.
23,296 in the params (k) column). Every renderer and the grader read only
this module's values.

>>> b = Blank("conv1.memory", "conv1: memory (KB)", 784.0, unit="KB")
>>> b.rounded, b.tolerance
(784, 0.5)
>>> Blank("q.ratio", "ratio", 54.25, decimals=2).rounded
54.25
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ..arith import fmt
from ..render.formats import half_up


def round_as_table(x, scale=1, decimals=0):
    """Half up, in the column's unit: (23296, 1000) -> 23; (54.25, 1, 2) -> 54.25."""
    if isinstance(x, str):
        return x
    q = Fraction(x) / scale * 10**decimals
    r = half_up(q)
    return r if decimals == 0 else r / 10**decimals


@dataclass(frozen=True)
class Blank:
    """One cell the student fills in."""

    id: str                  # stable across formats and in answers.csv: "conv1.memory"
    label: str               # for people: "conv1: memory (KB)"
    exact: object            # int, float or str
    unit: str = ""           # the column's unit: "KB", "k", "M", "%", ""
    scale: int = 1           # exact / scale is in the column's unit
    decimals: int = 0
    accept: tuple = ()       # other exact values that are right (e.g. the full count)
    group: str = ""          # the worked arithmetic that explains it (a row name, a question)
    mistakes: tuple = ()     # (mistake, the value it gives): see mistakes.py
    carry: tuple = ()        # (cells, value per output element, shape): right from the student's own shape
    # the row recomputed from the student's own output of the row above (mistakes.carried_in)
    carry_in: dict | None = field(default=None, compare=False)

    @property
    def rounded(self):
        return round_as_table(self.exact, self.scale, self.decimals)

    @property
    def tolerance(self):
        """Half a unit of the last printed digit (None for a word answer)."""
        return None if isinstance(self.exact, str) else 0.5 / 10**self.decimals

    def shown(self) -> str:
        """The key's text for the answer: '784', '37,753', '54.25', 'conv1'."""
        r = self.rounded
        if isinstance(r, str):
            return r
        return f"{r:,}" if self.decimals == 0 else f"{r:,.{self.decimals}f}"

    def rounding_step(self) -> str | None:
        """'fc8: memory (KB): 3.90625 -> 4' when the key's figure is the exact value rounded.

        >>> Blank("fc8.memory", "fc8: memory (KB)", 3.90625, unit="KB").rounding_step()
        'fc8: memory (KB): 3.90625 -> 4 (halves up)'
        """
        if isinstance(self.exact, str):
            return None
        exact = Fraction(repr(self.exact) if isinstance(self.exact, float) else self.exact) / self.scale
        if exact == Fraction(str(self.rounded)):
            return None
        return f"{self.label}: {fmt(exact)} -> {self.shown()} (halves up)"

    def to_dict(self, n: int) -> dict:
        exact = float(self.exact) if isinstance(self.exact, Fraction) else self.exact
        d = {"n": n, "cell": self.id, "label": self.label, "exact": exact, "rounded": self.rounded,
             "unit": self.unit, "scale": self.scale, "decimals": self.decimals,
             "tolerance": self.tolerance, "accept": list(self.accept)}
        mistakes = [{"mistake": m, "rounded": r, "exact": v} for m, v in self.mistakes
                    for r in [round_as_table(v, self.scale, self.decimals)] if r != self.rounded or v != self.exact]
        if mistakes:
            d["mistakes"] = mistakes
        if self.carry_in:
            d["carry_in"] = self.carry_in
        if self.carry:
            d["carry"] = {"cells": list(self.carry[0]), "per_element": self.carry[1], "shape": list(self.carry[2])}
        return d


@dataclass(frozen=True)
class Table:
    """A table whose cells are text or :class:`Blank`. The ``hidden`` cells, (row, column)
    pairs, would give a blank away (the next row's input is the blank's output): the
    worksheet shows '?' there, the key their text. They are not graded."""

    headers: tuple
    rows: tuple              # tuples of str | Blank
    hidden: frozenset = frozenset()


@dataclass(frozen=True)
class Question:
    """A question in words, with the blanks it asks for (one answer line each)."""

    text: str
    blanks: tuple


@dataclass(frozen=True)
class Section:
    """A titled part of a sheet: an exercise (its prompt, given facts, tables and questions)."""

    title: str
    prompt: tuple = ()       # paragraphs for the student
    parts: tuple = ()        # Table | Question
    work: tuple = ()         # (group, heading, worked arithmetic text) for the key, in order
    notes: tuple = ()        # for the key only: what to discuss, warnings
    rules: tuple = ()        # the conventions its blanks need (sentences; see rules.py)


@dataclass(frozen=True)
class Sheet:
    """One student's worksheet (and, with the answers shown, its key)."""

    id: str
    title: str
    instructions: tuple
    conventions: tuple
    sections: tuple
    info: dict = field(default_factory=dict)   # machine-readable: network, input, seed, changes

    def blanks(self) -> list[Blank]:
        """Every blank in reading order; the n-th is numbered n on the sheet."""
        out = []
        for s in self.sections:
            for p in s.parts:
                if isinstance(p, Table):
                    out.extend(c for row in p.rows for c in row if isinstance(c, Blank))
                else:
                    out.extend(p.blanks)
        return out

    def numbers(self) -> dict[str, int]:
        return {b.id: i for i, b in enumerate(self.blanks(), 1)}

    def key_dict(self) -> dict:
        """The sheet's key as key.json holds it; each blank names its exercise (for per-exercise weights)."""
        names = list(self.info.get("exercises", ()))
        blanks = []
        for i, s in enumerate(self.sections):
            for b in Sheet("", "", (), (), (s,)).blanks():
                blanks.append(dict(b.to_dict(len(blanks) + 1), **({"exercise": names[i]} if i < len(names) else {})))
        return {"id": self.id, "title": self.title, **self.info, "blanks": blanks}
