"""Burst vs typing, decided from key times alone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from floor_app.scanning.wedge import GS, WedgeBuffer, split_paste, visible


def feed(buf: WedgeBuffer, text: str, start: float, gap_ms: float) -> float:
    t = start
    for ch in text:
        buf.key(ch, t)
        t += gap_ms / 1000.0
    return t


def test_fast_burst_is_a_scan_with_gs_kept() -> None:
    buf = WedgeBuffer(burst_ms=35)
    code = "]d201095011010209171719050810ABCD1234" + GS + "2112345"
    t = feed(buf, code, 10.0, 3)
    sub = buf.enter(t)
    assert sub.scan == code and sub.typed == "" and sub.burst
    assert GS in sub.scan
    assert len(buf) == 0


def test_hand_typing_is_not_a_scan() -> None:
    buf = WedgeBuffer(burst_ms=35)
    t = feed(buf, "RMA-1234", 0.0, 180)
    sub = buf.enter(t + 0.2)
    assert sub.scan is None and sub.typed == "RMA-1234" and not sub.burst


def test_typed_note_then_scan_splits_at_the_burst() -> None:
    buf = WedgeBuffer(burst_ms=35)
    t = feed(buf, "scuff", 0.0, 150)
    t = feed(buf, "LBL-ABC123XYZ", t + 0.5, 2)
    sub = buf.enter(t)
    assert sub.typed == "scuff"
    assert sub.scan == "LBL-ABC123XYZ"


def test_slow_enter_after_fast_keys_is_typing() -> None:
    # Fast keys then a pause before Enter: a person (or a paste into a shell), not a scanner.
    buf = WedgeBuffer(burst_ms=35)
    t = feed(buf, "12345678", 0.0, 2)
    sub = buf.enter(t + 1.0)
    assert sub.scan is None and sub.typed == "12345678"


def test_short_burst_is_typing() -> None:
    buf = WedgeBuffer(burst_ms=35, min_scan_chars=4)
    t = feed(buf, "ab", 0.0, 1)
    assert buf.enter(t).scan is None


@pytest.mark.parametrize(("gap", "is_scan"), [(5, True), (34, True), (36, False), (120, False)])
def test_threshold(gap: float, is_scan: bool) -> None:
    buf = WedgeBuffer(burst_ms=35)
    feed(buf, "00012345600012", 0.0, gap)
    last = buf.last_time
    assert last is not None
    sub = buf.enter(last + gap / 1000.0)
    assert (sub.scan is not None) is is_scan


def test_overflow_is_capped_and_flagged() -> None:
    buf = WedgeBuffer(burst_ms=35, max_chars=100)
    feed(buf, "9" * 10_000, 0.0, 0.01)
    assert len(buf) == 100 and buf.overflowed
    buf.clear()
    assert not buf.overflowed


def test_backspace() -> None:
    buf = WedgeBuffer()
    feed(buf, "abc", 0.0, 200)
    buf.backspace()
    assert buf.text == "ab"


def test_split_paste_keeps_gs_and_aim() -> None:
    assert split_paste("]C1010950110102091" + GS + "21X\r\n") == ["]C1010950110102091" + GS + "21X"]
    assert split_paste("a\n\nb\n") == ["a", "b"]


def test_visible_escapes_controls_and_truncates() -> None:
    assert visible("01" + GS + "21\x1b[31m") == "01<GS>21\\x1b[31m"
    long = visible("x" * 10_000, limit=50)
    assert len(long) < 80 and "10000 chars" in long


@given(
    typed=st.text(alphabet="abcdef 123", max_size=12),
    scan=st.text(
        alphabet=st.characters(min_codepoint=29, max_codepoint=126), min_size=4, max_size=60
    ),
)
def test_property_typed_prefix_and_burst_round_trip(typed: str, scan: str) -> None:
    buf = WedgeBuffer(burst_ms=35)
    t = feed(buf, typed, 0.0, 200)
    t = feed(buf, scan, t + 0.3, 5)
    sub = buf.enter(t)
    assert sub.typed == typed and sub.scan == scan
