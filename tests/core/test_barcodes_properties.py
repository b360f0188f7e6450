"""Hypothesis properties of parse_scan: nothing crashes it, and what is encoded comes back."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from floor_app.domain import gtin as gtin_math
from floor_app.domain.barcodes import INTERNAL_ERROR, parse_scan
from floor_app.domain.scan import BarcodeError, Scan, ScanKind, ScannerRules

GS = "\x1d"
# GS1 AI encodable character set 82: what a serial or lot may hold.
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces that steer random input into every branch: AIM ids, AIs, separators, URLs, patterns.
TOKENS = [
    "]C1", "]E0", "]E3", "]E4", "]d2", "]Q3", "]Q1", "]I1", "]C0", "]e0", "]Y", "]",
    "01", "09506000134352", "21", "10", "17", "250100", "00", "420", "94", "3103", "8004",
    GS, "|", "(", ")", "(01)", "(21)", " ", "\r\n", "\t", "\x00", "\x07", "\x7f", "é", "\u202e",
    "https://", "http://", "id.gs1.org", "/01/", "/21/", "/gtin/", "?17=", "&", "%", "%2F",
    "%07", "[", "::", "RMA-", "OP-", "BADGE:", "LBL-", "1Z", "SKU-", "A", "z", "0", "9",
    "12345678", "036000291452",
]  # fmt: skip


def check_outcome(raw: str, rules: ScannerRules = ScannerRules()) -> Scan | None:  # noqa: B008
    """parse_scan's result, or None after checking its refusal is a proper one."""
    try:
        scan = parse_scan(raw, rules)
    except BarcodeError as exc:
        assert exc.reason and not exc.reason.startswith(INTERNAL_ERROR), exc.reason
        assert exc.reason.isascii() and exc.reason.isprintable(), exc.reason
        return None
    assert scan.text and all(32 <= ord(c) < 127 or c == GS for c in scan.text)
    if scan.kind is ScanKind.PRODUCT:
        assert scan.gtin is not None and len(scan.gtin) == 14 and gtin_math.is_valid(scan.gtin)
        for value in (scan.serial, scan.lot):
            assert value is None or (1 <= len(value) <= 20 and set(value) <= set(CSET82))
        if scan.expiry is not None:
            dt.date.fromisoformat(scan.expiry)
    else:
        assert scan.gtin is None
    return scan


@FAST
@given(st.text(max_size=80))
def test_any_text_gives_a_scan_or_a_reason(raw: str) -> None:
    check_outcome(raw)


@FAST
@given(st.lists(st.sampled_from(TOKENS), max_size=12).map("".join))
def test_barcode_like_text_gives_a_scan_or_a_reason(raw: str) -> None:
    check_outcome(raw)
    check_outcome(raw, ScannerRules(gs1_separator="|", wedge_prefix="]", wedge_suffix="\t"))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), min_size=500, max_size=700))
def test_long_ascii_text_gives_a_scan_or_a_reason(raw: str) -> None:
    check_outcome(raw)


def with_check_digit(body: str) -> str:
    return body + str(gtin_math.check_digit(body))


digits = st.integers(min_value=0, max_value=9).map(str)


@st.composite
def gtins(draw: st.DrawFn, lengths: tuple[int, ...] = (12, 13, 14)) -> str:
    n = draw(st.sampled_from(lengths))
    body = "".join(draw(st.lists(digits, min_size=n - 1, max_size=n - 1)))
    code = with_check_digit(body)
    assume(code.strip("0"))  # a GTIN of all zeros is refused on purpose
    return code


@FAST
@given(gtins())
def test_valid_gtin_parses_to_its_14_digit_form(code: str) -> None:
    scan = parse_scan(code)
    assert (scan.kind, scan.gtin) == (ScanKind.PRODUCT, code.rjust(14, "0"))
    if len(code) == 12:  # UPC-A and its EAN-13 form are one GTIN
        assert parse_scan("0" + code).gtin == scan.gtin
        assert parse_scan("]E0" + code).gtin == scan.gtin


@FAST
@given(gtins(), st.integers(min_value=1, max_value=9))
def test_changed_check_digit_is_refused(code: str, delta: int) -> None:
    wrong = code[:-1] + str((int(code[-1]) + delta) % 10)
    try:
        scan = parse_scan(wrong)
    except BarcodeError as exc:
        assert "check digit" in exc.reason
    else:  # only a 12-digit FedEx number may carry a non-GTIN check digit
        assert len(wrong) == 12 and scan.kind is ScanKind.TRACKING


@FAST
@given(gtins(lengths=(8,)))
def test_ean8_with_its_symbology_id_round_trips(code: str) -> None:
    assert parse_scan("]E4" + code).gtin == code.rjust(14, "0")


@FAST
@given(st.sampled_from("01"), st.lists(digits, min_size=6, max_size=6).map("".join))
def test_upce_round_trips_to_its_upc_a(ns: str, six: str) -> None:
    upce = next(c for c in (ns + six + d for d in "0123456789") if gtin_math.expand_upce(c))
    upca = gtin_math.expand_upce(upce)
    assert upca is not None
    assume(upca.strip("0"))
    assert parse_scan("]E0" + upce).gtin == "00" + upca
    assert parse_scan(upca).gtin == "00" + upca


gs1_values = st.text(alphabet=CSET82, min_size=1, max_size=20)
expiries = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2070, 12, 31))


@FAST
@given(
    gtins(lengths=(14,)),
    gs1_values,
    gs1_values,
    st.none() | expiries,
    st.permutations(["17", "10", "21"]),
    st.sampled_from(["]C1", "]d2", "]Q3", ""]),
    st.sampled_from([GS, "~", "{GS}"]),
)
def test_element_string_with_separators_round_trips(
    code: str,
    serial: str,
    lot: str,
    expiry: dt.date | None,
    order: list[str],
    aim: str,
    separator: str,
) -> None:
    values = {"10": lot, "21": serial}
    if expiry is not None:
        values["17"] = expiry.strftime("%y%m%d")
    parts = ["01" + code]
    for ai in (ai for ai in order if ai in values):
        parts.append(ai + values[ai] + (separator if ai != "17" else ""))
    raw = aim + "".join(parts).removesuffix(separator)
    rules = ScannerRules(gs1_separator="" if separator == GS else separator)
    scan = parse_scan(raw + "\r\n", rules)
    assert (scan.gtin, scan.serial, scan.lot) == (code, serial, lot)
    assert scan.expiry == (expiry.isoformat() if expiry else None)


@FAST
@given(gtins(lengths=(14,)), gs1_values, gs1_values, st.sampled_from(["]C1", "]d2", ""]))
def test_lost_separator_between_serial_and_lot_is_always_refused(
    code: str, serial: str, lot: str, aim: str
) -> None:
    raw = aim + "01" + code + "21" + serial + "10" + lot  # the GS after the serial is lost
    try:
        scan = parse_scan(raw)
    except BarcodeError as exc:
        assert not exc.reason.startswith(INTERNAL_ERROR)
    else:
        raise AssertionError(f"accepted serial {scan.serial!r} lot {scan.lot!r}")


@FAST
@given(gtins(lengths=(14,)), gs1_values, st.sampled_from(["]C1", "]d2", ""]))
def test_single_serial_without_separator_is_exact_or_refused(
    code: str, serial: str, aim: str
) -> None:
    try:
        scan = parse_scan(aim + "01" + code + "21" + serial)
    except BarcodeError as exc:
        assert "ambiguous" in exc.reason
    else:
        assert (scan.gtin, scan.serial) == (code, serial)


@FAST
@given(gtins(lengths=(13, 14)), gs1_values, gs1_values, st.none() | expiries)
def test_digital_link_round_trips(code: str, serial: str, lot: str, expiry: dt.date | None) -> None:
    url = f"https://example.com/01/{code}/10/{quote(lot, safe='')}/21/{quote(serial, safe='')}"
    if expiry is not None:
        url += f"?17={expiry:%y%m%d}"
    scan = parse_scan(url)
    assert (scan.gtin, scan.serial, scan.lot) == (code.rjust(14, "0"), serial, lot)
    assert scan.expiry == (expiry.isoformat() if expiry else None)


@FAST
@given(
    st.sampled_from(["RMA-12345", "OP-7", "LBL-ABCDEF12", "9506000134352", "SKU-1"]),
    st.sampled_from(["", "]C0"]),
    st.sampled_from([("", ""), ("\x02", "\x03"), ("#", "#"), ("PRE", "")]),
    st.sampled_from(["", "\r\n", "\n", "\r", "\t"]),
)
def test_framing_never_changes_the_reading(
    code: str, aim: str, frame: tuple[str, str], enter: str
) -> None:
    rules = ScannerRules(wedge_prefix=frame[0], wedge_suffix=frame[1])
    assert parse_scan(frame[0] + aim + code + frame[1] + enter, rules) == parse_scan(aim + code)
