"""Outside text made inert before it reaches a printer or a screen.

Names, notes and cities come from CSV files, HQ and scanners: any of them may hold control
characters, ANSI escape sequences or 10 kB of junk. Every renderer passes its text through
:func:`clean` first, then applies its own medium's escaping (ZPL ``^FH`` hex, nothing for
PDF, which draws strings without interpreting them).
"""

from __future__ import annotations

import re
import unicodedata

# CSI / OSC / other escape sequences as a terminal would parse them; removed whole so that
# no stray "[2J" is left behind to confuse a reader.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL or ST
    r"|\x1b[@-Z\\-_]"  # two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)

#: The longest a single field may be once cleaned; a label has no room for more.
MAX_FIELD = 160


def clean(text: object, *, limit: int = MAX_FIELD) -> str:
    """One line of printable text: escapes removed, controls and line breaks become spaces.

    Unicode format characters (bidi overrides, zero-width joiners) are dropped too: they
    cannot be seen on a label and can reorder what a reader sees on screen.
    """
    if text is None:
        return ""
    s = _ANSI.sub("", str(text)[: limit * 8])
    out: list[str] = []
    for ch in s:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif cat in ("Cf", "Cs", "Co", "Cn"):
            continue
        else:
            out.append(ch)
    one_line = " ".join("".join(out).split())
    if len(one_line) > limit:
        one_line = one_line[: limit - 1].rstrip() + "…"
    return one_line


# Letters NFKD does not split into base + accent.
_TRANSLIT = str.maketrans(
    {
        "ß": "ss",
        "Ł": "L",
        "ł": "l",
        "Ø": "O",
        "ø": "o",
        "Đ": "D",
        "đ": "d",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "Þ": "Th",
        "þ": "th",
        "ı": "i",
        "…": "...",
        "–": "-",
        "—": "-",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
    }
)


def ascii_fallback(text: str) -> str:
    """Latin-1-safe approximation for a font without the glyphs (``Zoë Łódź`` -> ``Zoe Lodz``)."""
    s = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return s.encode("ascii", "replace").decode("ascii")
