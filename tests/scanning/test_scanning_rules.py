"""The pipeline's rules on hand-made reads: agreement, conflicts, check digits, dedup."""

from __future__ import annotations

import pytest

from floor_app.scanning import symbols as sym
from floor_app.scanning.camera import FrameConfirmer, ScanDeduper
from floor_app.scanning.pipeline import SINGLE_DECODER_LOOKS, Tally, plausible, read_key

BOX = (10, 10, 200, 80)


def ean(payload: str, decoder: str = "zxing", box=BOX) -> sym.Read:
    return sym.Read(sym.EAN13, "]E0", payload, decoder, box)


def test_two_decoders_agreeing_accept_a_1d_code() -> None:
    t = Tally()
    t.add([ean("4006381333931")], "frame")
    assert t.accepted() == []  # one look by one decoder: not enough for a 1-D code
    t.add([ean("4006381333931", "zbar")], "frame")
    [code] = t.accepted()
    assert (code.text, code.gtin, code.decoders) == (
        "]E04006381333931",
        "04006381333931",
        ("zxing", "zbar"),
    )


def test_one_decoder_needs_several_views() -> None:
    t = Tally()
    for i in range(SINGLE_DECODER_LOOKS - 1):
        t.add([ean("4006381333931", "zbar")], f"view{i}")
    assert t.accepted() == []
    t.add([ean("4006381333931", "zbar")], "last")
    assert [c.text for c in t.accepted()] == ["]E04006381333931"]


def test_conflicting_reads_at_one_place_the_better_supported_wins() -> None:
    t = Tally()
    t.add([ean("0075720003259", "zbar"), ean("1077778003259", "zxing")], "frame")
    assert t.accepted() == []  # one each: a tie keeps both out
    t.add([ean("0075720003259", "zxing")], "x2")
    assert [c.payload for c in t.accepted()] == ["0075720003259"]


def test_reads_far_apart_are_not_in_conflict() -> None:
    t = Tally()
    a, b = "4006381333931", "9780345348036"
    for d in ("zxing", "zbar"):
        t.add([ean(a, d, (0, 0, 100, 50)), ean(b, d, (300, 300, 400, 350))], "frame")
    assert sorted(c.payload for c in t.accepted()) == [a, b]


def test_a_2d_code_needs_one_read() -> None:
    t = Tally()
    t.add([sym.Read(sym.DATAMATRIX, "]d2", "010950400005910121S1", "zxing", BOX)], "frame")
    [code] = t.accepted()
    assert code.gtin == "09504000059101"


@pytest.mark.parametrize(
    ("read", "ok"),
    [
        (ean("4006381333931"), True),
        (ean("4006381333932"), False),  # check digit wrong
        (sym.Read(sym.ITF, "]I1", "00012345678905", "zbar"), True),
        (sym.Read(sym.ITF, "]I1", "00012345678904", "zbar"), False),
        (sym.Read(sym.ITF, "]I0", "0053611912", "zbar"), True),  # ITF-10: no GTIN rule
        (sym.Read(sym.CODE128, "]C1", "010950400005910121S1", "zxing"), True),
        (sym.Read(sym.CODE128, "]C1", "010950400005910221S1", "zxing"), False),  # AI 01 bad
        (sym.Read(sym.CODE128, "]C0", "010950400005910221S1", "zxing"), True),  # not GS1
    ],
)
def test_check_digit_rules(read: sym.Read, ok: bool) -> None:
    assert plausible(read) is ok


def test_upca_and_its_ean13_form_are_one_code() -> None:
    a = sym.Read(sym.UPCA, "]E0", "0036000291452", "zxing")
    b = sym.Read(sym.EAN13, "]E0", "0036000291452", "zbar")
    c = sym.Read(sym.UPCE, "]E0", "01234565", "zbar")  # 8-digit UPC-E expands
    assert read_key(a) == read_key(b)
    assert read_key(c) == ("EAN/UPC", "00012345000065")


def test_code128_high_characters_compare_modulo_bit_7() -> None:
    # zbar drops FNC4 (ó comes out as s); zxing-cpp's text is the one kept.
    a = sym.Read(sym.CODE128, "]C0", "óó12", "zxing", BOX)
    b = sym.Read(sym.CODE128, "]C0", "ss12", "zbar", BOX)
    t = Tally()
    t.add([b, a], "frame")
    [code] = t.accepted()
    assert code.payload == "óó12"


def test_display_text_escapes_controls() -> None:
    assert sym.display_text("01\x1d10AB\x1b[31m\n") == "01<GS>10AB\\x1b[31m\\x0a"


def _frame(*reads: sym.Read) -> Tally:
    t = Tally()
    t.add(reads, "frame")
    return t


def test_frame_confirmer_needs_three_frames_for_a_single_decoder() -> None:
    conf = FrameConfirmer(window=5)
    results = [conf.feed(_frame(ean("4006381333931", "zbar")))[0] for _ in range(3)]
    assert [len(r) for r in results] == [0, 0, 1]
    # Present but not confirmed in the next frame? It is still "seen" (in view).
    confirmed, seen = conf.feed(_frame())
    assert confirmed == {} and seen == set()


def test_deduper_one_scan_while_held_and_rearm_after_absence() -> None:
    code = sym.Code(sym.EAN13, "]E0", "4006381333931", "04006381333931")
    key = ("EAN/UPC", "04006381333931")
    d = ScanDeduper(rearm_frames=5)
    emitted = [d.update({key: code}, {key}) for _ in range(60)]
    assert sum(len(e) for e in emitted) == 1
    for _ in range(5):
        assert d.update({}, set()) == []
    assert d.update({key: code}, {key}) == [code]
    # Seen but unconfirmed frames keep it "in view": no new scan after them.
    for _ in range(10):
        d.update({}, {key})
    assert d.update({key: code}, {key}) == []


def test_deduper_time_window() -> None:
    now = [0.0]
    code = sym.Code(sym.QR, "]Q1", "x", None)
    key = ("QR Code", "x")
    d = ScanDeduper(rearm_frames=1, rearm_seconds=2.0, clock=lambda: now[0])
    assert d.update({key: code}, {key}) == [code]
    for _ in range(5):
        now[0] += 0.1
        d.update({}, set())
    assert d.update({key: code}, {key}) == []  # gone 5 frames but only 0.5 s
    for _ in range(3):
        now[0] += 1.0
        d.update({}, set())
    assert d.update({key: code}, {key}) == [code]
