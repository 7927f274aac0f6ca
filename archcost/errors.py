"""One exception type for every bad input, and warnings, both located.

Every problem a user can cause (a spec, a CLI option, a shape that does not fit)
becomes an :class:`ArchcostError` that knows where it happened (file, line,
layer), what is wrong and how to fix it. The CLI prints ``str(error)`` as one
line and exits with status 2.

>>> str(ArchcostError("kernel 11 is larger than the padded input 7",
...                   "use a smaller kernel or a larger input",
...                   file="net.yaml", line=4, layer="conv1"))
"net.yaml:4: layer 'conv1': kernel 11 is larger than the padded input 7; use a smaller kernel or a larger input"
"""

from __future__ import annotations

from dataclasses import dataclass


def one_line(text: str) -> str:
    r"""Escape line breaks and other control characters a spec can smuggle into a name, so that
    an error or warning stays one line on the terminal.

    >>> print(one_line("unknown key 'a\nb'"))
    unknown key 'a\nb'
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _where(file, line, layer) -> str:
    parts = []
    if file:
        parts.append(f"{file}:{line}:" if line else f"{file}:")
    if layer:
        parts.append(f"layer '{layer}':")
    return " ".join(parts)


class ArchcostError(Exception):
    """A user-facing error: what is wrong, how to fix it, and where."""

    def __init__(self, what: str, fix: str | None = None, *, file: str | None = None,
                 line: int | None = None, layer: str | None = None):
        super().__init__(what)
        self.what, self.fix = what, fix
        self.file, self.line, self.layer = file, line, layer

    def located(self, file=None, line=None, layer=None) -> "ArchcostError":
        """Fill in the location fields that are still unknown; return self."""
        self.file = self.file or file
        self.line = self.line or line
        self.layer = self.layer or layer
        return self

    def __str__(self) -> str:
        where = _where(self.file, self.line, self.layer)
        text = f"{where} {self.what}" if where else self.what
        return one_line(f"{text}; {self.fix}" if self.fix else text)


@dataclass(frozen=True)
class Warning_:
    """A located warning, e.g. a window division that is not exact."""

    message: str
    layer: str | None = None
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = _where(self.file, self.line, self.layer)
        return one_line(f"{where} {self.message}" if where else self.message)
