"""Identifiers: short, sortable by creation time, safe to print as Code 128."""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def _b32(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        out.append(_ALPHABET[n & 31])
        n >>= 5
    return "".join(reversed(out))


def new_id(prefix: str) -> str:
    """``PREFIX-`` + 10 chars of milliseconds + 10 random chars (a ULID in spirit)."""
    ms = int(time.time() * 1000)
    rnd = int.from_bytes(os.urandom(7), "big")
    return f"{prefix}-{_b32(ms, 10)}{_b32(rnd, 10)}"
