"""GTIN arithmetic: check digits, UPC-E expansion and the one canonical form.

Every GTIN the station handles is normalised to 14 digits, so that a UPC-A, its
EAN-13 form (leading 0) and the GTIN-14 with indicator 0 compare equal.
"""

from __future__ import annotations


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for the digits of ``body`` (without the check digit)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = ord(ch) - 48
        total += d * 3 if i % 2 == 0 else d
    return (10 - total % 10) % 10


def is_valid(code: str) -> bool:
    """True when ``code`` is 8, 12, 13 or 14 digits with a correct check digit."""
    if len(code) not in (8, 12, 13, 14) or not code.isascii() or not code.isdigit():
        return False
    return check_digit(code[:-1]) == ord(code[-1]) - 48


def expand_upce(code: str) -> str | None:
    """Expand an 8-digit UPC-E (number system 0 or 1) to its 12-digit UPC-A, or None."""
    if len(code) != 8 or not code.isascii() or not code.isdigit() or code[0] not in "01":
        return None
    ns, d, check = code[0], code[1:7], code[7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    upca = ns + body + check
    return upca if is_valid(upca) else None


def normalize(code: str) -> str | None:
    """Return the 14-digit GTIN for an EAN-8, UPC-A, EAN-13 or GTIN-14, or None if invalid.

    An 8-digit code is read as EAN-8. UPC-E must be expanded by the caller with
    :func:`expand_upce` because an 8-digit string alone cannot say which it is.
    """
    if not is_valid(code):
        return None
    return code.rjust(14, "0")


def display(gtin14: str) -> str:
    """The shortest conventional form of a 14-digit GTIN (EAN-13, UPC-A kept as EAN-13)."""
    if gtin14.startswith("000000") and len(gtin14) == 14:
        return gtin14[6:]
    if gtin14.startswith("0"):
        return gtin14[1:]
    return gtin14
