"""Memory units for every report: KB as the lecture's (1024 bytes), MB and GB 1024-based too.

The report holds memory in KB; reports convert only when they print.

>>> memory_in(784.0, "MB"), memory_in(2 * 1024 ** 2, "GB")
(0.765625, 2.0)
>>> print(units_note("MB"))
MB = 1024 x 1024 bytes (1024-based, as the lecture's KB)
"""

from __future__ import annotations

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
