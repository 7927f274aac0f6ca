"""A font with Hangul (or whatever a language's text needs) for PDF sheets.

The core PDF fonts hold Latin-1 only: a Korean title would print as '??'.
A sheet whose text is not Latin-1 embeds a TrueType font, found in this order:
``--font FILE``, the ``ARCHCOST_FONT`` environment variable, the known system
paths of :data:`KNOWN` (Debian's fonts-nanum, Noto CJK, macOS and Windows
fonts), then ``fc-match :lang=ko``. A font is used only when it has every
character the sheet needs; when none has, one error line says how to get one.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from ..errors import ArchcostError

KNOWN = (
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansKR-Regular.ttf",
    "/usr/share/fonts/truetype/unfonts-core/UnDotum.ttf",
    "/Library/Fonts/AppleGothic.ttf",
    "/System/Library/Fonts/Supplemental/AppleGothic.ttf",
    "C:/Windows/Fonts/malgun.ttf",
)
HOW = ("install a font with Hangul (Debian/Ubuntu: apt-get install fonts-nanum), or give one with "
       "--font FILE.ttf or the ARCHCOST_FONT environment variable")


def needs_font(texts) -> str:
    """The characters of ``texts`` that the core (Latin-1) PDF fonts cannot show."""
    from .pdf import latin1

    return "".join(sorted({ch for t in texts for ch in t if latin1(ch) == "?" and ch != "?"}))


def has_chars(path: str, chars: str) -> bool:
    """Whether the TrueType/OpenType font at ``path`` maps every one of ``chars``."""
    try:
        from fontTools.ttLib import TTFont

        font = TTFont(path, fontNumber=0, lazy=True)
        cmap = font.getBestCmap() or {}
        return all(ord(ch) in cmap for ch in chars)
    except Exception:   # not a font, unreadable, or a format fontTools cannot open: not usable
        return False


def _fc_match() -> list[str]:
    if not shutil.which("fc-match"):
        return []
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}", ":lang=ko"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return []
    return [out.stdout.strip()] if out.returncode == 0 and out.stdout.strip() else []


def find_font(chars: str, explicit: str | None = None) -> str:
    """The path of a font that shows ``chars``; an error line naming what to do when there is none."""
    if explicit:
        if not os.path.isfile(explicit):
            raise ArchcostError(f"--font {explicit}: no such file", HOW, file=explicit)
        if not has_chars(explicit, chars):
            raise ArchcostError(f"--font {explicit}: the font cannot show {chars[:8]!r}", HOW, file=explicit)
        return explicit
    env = os.environ.get("ARCHCOST_FONT")
    for path in ([env] if env else []) + list(KNOWN) + _fc_match():
        if os.path.isfile(path) and has_chars(path, chars):
            return path
    raise ArchcostError(f"no font on this machine can show this sheet's text ({chars[:8]!r}) in a PDF", HOW)
