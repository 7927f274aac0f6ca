"""Memory units for every report: KB as the lecture's (1024 bytes), MB and GB 1024-based too.

The report holds memory in KB; reports convert only when they print.

>>> memory_in(784.0, "MB"), memory_in(2 * 1024 ** 2, "GB")
(0.765625, 2.0)
>>> print(units_note("MB"))
MB = 1024 x 1024 bytes (1024-based, as the lecture's KB)
"""

from __future__ import annotations

from fractions import Fraction

from ..arith import Term

STEPS = {"KB": 0, "MB": 1, "GB": 2}                 # factors of 1024 above KB
UNITS = {u: 1024 ** n for u, n in STEPS.items()}    # size of each unit in KB


def memory_in(kb, units: str = "KB"):
    """A memory figure held in KB, in ``units``."""
    return kb / UNITS[units]


def memory_term(kb, units: str = "KB"):
    """Like :func:`memory_in`, on a worked term ('200,704 x 4 / 1,024 / 1,024' for MB)."""
    for _ in range(STEPS[units]):
        kb = kb / Term(1024)
    return kb


def units_note(units: str = "KB") -> str:
    """How a memory unit is defined, for a report's notes."""
    base = f"{units} = {' x '.join(['1024'] * (STEPS[units] + 1))} bytes"
    return base + (" (1024-based, as the lecture's KB)" if units != "KB" else ", as in the lecture")


def exact_memory(nbytes: int, units: str = "KB", kb: int = 1024) -> Fraction:
    """A layer's or a total's memory_bytes in ``units``, exactly: 259,584 bytes -> 253.5 KB."""
    return Fraction(nbytes, kb * UNITS[units])


def exact_text(q) -> str:
    """An exact count or fraction written out in full, with separators: the KB of a byte count
    always ends (its denominator is a power of 2), so nothing is rounded.

    >>> exact_text(Fraction(259_584, 1024)), exact_text(Fraction(4_000, 1024)), exact_text(Fraction(2**52 + 1, 1024))
    ('253.5', '3.90625', '4,398,046,511,104.0009765625')
    """
    q = Fraction(q)
    whole, rest = divmod(q, 1)
    digits = ""
    while rest and len(digits) < 60:   # 60 places hold any KB, MB or GB of whole bytes exactly
        whole_digit, rest = divmod(rest * 10, 1)
        digits += str(whole_digit)
    return f"{whole:,}" + (f".{digits}" if digits else "")
