"""parse_scan on real barcode forms: GTINs, GS1 element strings, Digital Links, carriers,
configured patterns, scanner framing and hostile input."""

from __future__ import annotations

import statistics
import time

import pytest

from floor_app.domain.barcodes import INTERNAL_ERROR, parse_scan
from floor_app.domain.scan import BarcodeError, ScanKind, ScannerRules

GS = "\x1d"
GTIN = "09506000134352"  # GS1's own example GTIN


def refused(raw: object, rules: ScannerRules = ScannerRules()) -> str:  # noqa: B008
    with pytest.raises(BarcodeError) as info:
        parse_scan(raw, rules)  # type: ignore[arg-type]
    reason = info.value.reason
    assert not reason.startswith(INTERNAL_ERROR), reason
    assert reason.isascii() and reason.isprintable(), reason
    return reason


# -- GTINs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "gtin", "symbology"),
    [
        ("09506000134352", GTIN, None),  # GTIN-14 with indicator 0
        ("9506000134352", GTIN, None),  # its EAN-13 form
        ("]E09506000134352", GTIN, "]E0"),
        ("036000291452", "00036000291452", None),  # UPC-A
        ("0036000291452", "00036000291452", None),  # the same as EAN-13
        ("]E0036000291452", "00036000291452", "]E0"),
        ("]E00036000291452", "00036000291452", "]E0"),  # UPC-A sent as 13 digits
        ("04252614", "00042100005264", None),  # UPC-E, expanded to 042100005264
        ("]E004252614", "00042100005264", "]E0"),
        ("96385074", "00000096385074", None),  # EAN-8
        ("]E496385074", "00000096385074", "]E4"),
        ("10012345000017", "10012345000017", None),  # ITF-14 / GTIN-14
        ("]I110012345000017", "10012345000017", "]I1"),
        ("]E3950600013435212", GTIN, "]E3"),  # EAN-13 + 2-digit add-on (dropped)
        ("]E3950600013435212345", GTIN, "]E3"),  # + 5-digit add-on
        ("]C009506000134352", GTIN, "]C0"),  # a GTIN printed in plain Code 128
    ],
)
def test_gtin_forms_normalise_to_14_digits(raw: str, gtin: str, symbology: str | None) -> None:
    scan = parse_scan(raw)
    assert scan.kind is ScanKind.PRODUCT
    assert scan.gtin == gtin
    assert scan.symbology == symbology
    assert (scan.serial, scan.lot, scan.expiry) == (None, None, None)


def test_upc_a_and_its_ean13_form_are_one_gtin() -> None:
    assert parse_scan("036000291452").gtin == parse_scan("0036000291452").gtin
    assert parse_scan("04252614").gtin == parse_scan("042100005264").gtin  # UPC-E == UPC-A


@pytest.mark.parametrize(
    ("raw", "gtin"),
    [
        ("09825970", "00098259000070"),  # valid both ways, leading 0: UPC-E (0 EAN-8 = RCN-8)
        ("]E409825970", "00000009825970"),  # the scanner says EAN-8: EAN-8
        ("]E009825970", "00098259000070"),  # the scanner says EAN/UPC: UPC-E
        ("00000017", "00000000000017"),  # not a valid UPC-E: EAN-8 (an RCN-8)
        ("]E418695892", "00000018695892"),
        ("]E018695892", "00186958000092"),
    ],
)
def test_eight_digits_upc_e_or_ean8(raw: str, gtin: str) -> None:
    assert parse_scan(raw).gtin == gtin


def test_eight_digits_valid_both_ways_starting_with_1_are_refused() -> None:
    reason = refused("18695892")
    assert "UPC-E" in reason and "EAN-8" in reason


@pytest.mark.parametrize(
    ("raw", "hint"),
    [
        ("036000291453", "should end in 2"),
        ("9506000134353", "should end in 2"),
        ("09506000134353", "should end in 2"),
        ("]E496385075", "should end in 4"),
        ("]E004252615", "UPC-E"),
        ("]E052614000", "must start with 0 or 1"),
        ("10012345000018", "should end in 7"),
        ("]I110012345000018", "should end in 7"),
        ("(01)09506000134353", "should end in 2"),
        ("]C10109506000134353", "should end in 2"),
        ("https://id.gs1.org/01/09506000134353", "check digit"),
        ("00000000000000", "all zeros"),
        ("12345678", "check digit"),  # 8 digits: never silently an internal code
    ],
)
def test_bad_check_digits_are_refused_with_the_reason(raw: str, hint: str) -> None:
    assert hint in refused(raw)


@pytest.mark.parametrize(
    "raw", ["]E0ABC", "]E0123", "]E3123", "]E112", "]E0", "]C1", "]C1" + GS, "]I1"]
)
def test_malformed_ean_and_empty_symbologies(raw: str) -> None:
    refused(raw)


# -- GS1 element strings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "rules", "serial", "lot", "expiry"),
    [
        (
            "]C1" + "01" + GTIN + "17250101" + "10ABC123" + GS + "21XYZ",
            ScannerRules(),
            "XYZ",
            "ABC123",
            "2025-01-01",
        ),
        (  # the same with the scanner's configured printable separator
            "]C1" + "01" + GTIN + "17250101" + "10ABC123" + "|" + "21XYZ",
            ScannerRules(gs1_separator="|"),
            "XYZ",
            "ABC123",
            "2025-01-01",
        ),
        (  # a multi-character substitute
            "]C1" + "01" + GTIN + "10ABC123" + "{GS}" + "21XYZ",
            ScannerRules(gs1_separator="{GS}"),
            "XYZ",
            "ABC123",
            None,
        ),
        ("]d2" + "01" + GTIN + "21SER-1/2" + GS + "10L1", ScannerRules(), "SER-1/2", "L1", None),
        ("]Q3" + "01" + GTIN + "17251231" + "21Q", ScannerRules(), "Q", None, "2025-12-31"),
        ("]e0" + "01" + GTIN + "21" + "ABC", ScannerRules(), "ABC", None, None),
        ("]C1" + GS + "01" + GTIN + "21ABC", ScannerRules(), "ABC", None, None),  # FNC1 first
        ("01" + GTIN + "10ABC" + GS + "21XYZ", ScannerRules(), "XYZ", "ABC", None),  # no AIM
        ("01" + GTIN + "21ABC", ScannerRules(), "ABC", None, None),
        ("01" + GTIN + "21" + "123456", ScannerRules(), "123456", None, None),
        ("01" + GTIN + "17240200", ScannerRules(), None, None, "2024-02-29"),  # day 00
        ("01" + GTIN + "17250200" + "10L", ScannerRules(), None, "L", "2025-02-28"),
        # other valid AIs (net weight 3103, best before 15) are parsed and ignored
        ("]C1" + "01" + GTIN + "3103000195" + "15260101" + "21X", ScannerRules(), "X", None, None),
        (  # a GS proves separators arrive: the serial is what it says
            "]C1" + "01" + GTIN + "10ABC" + GS + "21XYZ10Q",
            ScannerRules(),
            "XYZ10Q",
            "ABC",
            None,
        ),
        ("(01)09506000134352(21)ABC(17)250100", ScannerRules(), "ABC", None, "2025-01-31"),
        ("(01) 09506000134352 (10) ABC123 (21) 7", ScannerRules(), "7", "ABC123", None),
    ],
)
def test_gs1_element_strings(
    raw: str, rules: ScannerRules, serial: str | None, lot: str | None, expiry: str | None
) -> None:
    scan = parse_scan(raw, rules)
    assert scan.kind is ScanKind.PRODUCT
    assert scan.gtin == GTIN
    assert (scan.serial, scan.lot, scan.expiry) == (serial, lot, expiry)
    if rules.gs1_separator:  # Scan.text carries the separator as ASCII 29
        assert GS in scan.text and rules.gs1_separator not in scan.text


def test_unprintable_substitute_is_accepted_as_the_separator() -> None:
    rules = ScannerRules(gs1_separator="\x1e")
    scan = parse_scan("]C1" + "01" + GTIN + "10ABC" + "\x1e" + "21XYZ", rules)
    assert (scan.lot, scan.serial) == ("ABC", "XYZ")
    assert "\\x1e" in refused("]C1" + "01" + GTIN + "10ABC" + "\x1e" + "21XYZ")


def test_substitute_is_not_applied_outside_gs1_readings() -> None:
    rules = ScannerRules(gs1_separator="-")
    assert parse_scan("SKU-123", rules).code == "SKU-123"
    assert parse_scan("RMA-12345", rules).rma == "RMA-12345"


@pytest.mark.parametrize(
    ("raw", "hint"),
    [
        ("01" + GTIN + "17251301", "date"),  # month 13
        ("01" + GTIN + "17250230", "date"),  # 30 February
        ("]C1" + "10ABC", "without a product GTIN"),
        ("]C1" + "99ABC", "without a product GTIN"),
        ("(01)09506000134352(21)A(21)B", "twice"),
        ("(01)09506000134352junk", "GS1"),
        ("(01)9506000134352", "GS1"),  # HRI needs the 14-digit form
        ("(01)09506000134352(21)A B", "space"),
        ("(99", "GS1"),
        ("]C1ABC", "GS1"),
        ("]C1" + "0109506000134352" + "21", "GS1"),  # empty serial
    ],
)
def test_invalid_gs1_is_refused(raw: str, hint: str) -> None:
    assert hint in refused(raw)


@pytest.mark.parametrize(
    ("raw", "tracking"),
    [
        ("]C1" + "00106141412345678908", "106141412345678908"),  # SSCC of a carton
        ("]C1" + "42012345" + GS + "9400100000000000000000", "9400100000000000000000"),  # USPS
        ("https://id.gs1.org/00/106141412345678908", "106141412345678908"),  # SSCC link
    ],
)
def test_gs1_logistics_codes_are_tracking(raw: str, tracking: str) -> None:
    scan = parse_scan(raw)
    assert (scan.kind, scan.tracking) == (ScanKind.TRACKING, tracking)


# -- lost separators -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("01" + GTIN + "21ABC" + "10LOT", "(21)"),  # serial would swallow the lot
        ("]C1" + "01" + GTIN + "21ABC" + "10LOT", "(21)"),
        ("]d2" + "01" + GTIN + "10ABC" + "17250101", "(10)"),  # lot would swallow the expiry
        ("]d2" + "01" + GTIN + "10ABC" + "21" + "777", "(10)"),
        ("01" + GTIN + "21" + "4810293", "(21)"),  # serial 4810293, or 48 + lot 293?
        ("]C1" + "10LOT" + "01" + GTIN, "(10)"),  # lot would swallow the GTIN
    ],
)
def test_lost_separator_is_refused_as_ambiguous(raw: str, field: str) -> None:
    reason = refused(raw)
    assert "ambiguous" in reason and field in reason and "separator" in reason


def test_overlong_variable_field_is_refused() -> None:
    reason = refused("]C1" + "01" + GTIN + "21" + "A" * 25)
    assert "(21)" in reason and "longer than allowed" in reason


@pytest.mark.parametrize(
    "raw",
    [
        "01" + GTIN + "21" + "ABC",
        "01" + GTIN + "21" + "100234567",  # "10" only at the start: no second reading
        "01" + GTIN + "10" + "LOT21",  # "21" with nothing after it is no field
        "01" + GTIN + "21" + "AB17991301",  # 17 with an impossible date is no field
    ],
)
def test_variable_field_last_without_a_second_reading_is_accepted(raw: str) -> None:
    assert parse_scan(raw).gtin == GTIN


# -- GS1 Digital Link ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "serial", "lot", "expiry", "symbology"),
    [
        ("https://id.gs1.org/01/09506000134352/21/ABC?17=251231", "ABC", None, "2025-12-31", None),
        ("]Q1https://id.gs1.org/01/09506000134352", None, None, None, "]Q1"),
        ("]Q3https://id.gs1.org/01/09506000134352/10/L1", None, "L1", None, "]Q3"),
        (  # any domain, a path prefix, a 13-digit GTIN padded to 14, an encoded "/"
            "https://brand.example/p/01/9506000134352/10/L1/21/S%2F1?17=251200&utm=x",
            "S/1",
            "L1",
            "2025-12-31",
            None,
        ),
        (  # GS1 Digital Link 1.1 short names
            "https://example.com/gtin/09506000134352/lot/L1/ser/ABC?exp=260131",
            "ABC",
            "L1",
            "2026-01-31",
            None,
        ),
        ("HTTPS://ID.GS1.ORG/01/09506000134352/21/ABC", "ABC", None, None, None),  # QR upper
    ],
)
def test_digital_links(
    raw: str, serial: str | None, lot: str | None, expiry: str | None, symbology: str | None
) -> None:
    scan = parse_scan(raw)
    assert (scan.kind, scan.gtin) == (ScanKind.PRODUCT, GTIN)
    assert (scan.serial, scan.lot, scan.expiry, scan.symbology) == (serial, lot, expiry, symbology)


@pytest.mark.parametrize(
    "raw",
    [
        "https://example.com/hello",
        "https://id.gs1.org/01/09506000134352/21",  # odd path
        "https://id.gs1.org/01/09506000134352/21/A%07B",  # control character after decoding
        "https://id.gs1.org/01/09506000134352?17=251399",  # bad expiry
        "http://[::1/01/09506000134352",  # a URL Python cannot split
        "ftp://id.gs1.org/01/09506000134352",
    ],
)
def test_bad_digital_links_are_refused(raw: str) -> None:
    refused(raw)


# -- RMAs, badges, labels, carriers, internal codes ------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "field", "value"),
    [
        ("RMA-12345", ScanKind.RMA, "rma", "RMA-12345"),
        ("RMA12345678", ScanKind.RMA, "rma", "RMA12345678"),
        ("rma-12345", ScanKind.RMA, "rma", "RMA-12345"),  # typed in lower case
        ("OP-7", ScanKind.BADGE, "badge", "OP-7"),
        ("BADGE:W7", ScanKind.BADGE, "badge", "W7"),
        ("LBL-01HZX3K9QP", ScanKind.LABEL, "label_id", "LBL-01HZX3K9QP"),
        ("]C0LBL-01HZX3K9QP", ScanKind.LABEL, "label_id", "LBL-01HZX3K9QP"),
        ("1Z999AA10123456784", ScanKind.TRACKING, "tracking", "1Z999AA10123456784"),  # UPS
        ("1z999aa10123456784", ScanKind.TRACKING, "tracking", "1Z999AA10123456784"),  # typed
        ("797806677102", ScanKind.TRACKING, "tracking", "797806677102"),  # FedEx Express 12
        ("123456789012343", ScanKind.TRACKING, "tracking", "123456789012343"),  # FedEx 15
        ("9400100000000000000000", ScanKind.TRACKING, "tracking", "9400100000000000000000"),
        ("1234567891", ScanKind.TRACKING, "tracking", "1234567891"),  # DHL, mod 7
        ("1234567890", ScanKind.INTERNAL, "code", "1234567890"),  # fails DHL's mod 7
        ("SKU-123", ScanKind.INTERNAL, "code", "SKU-123"),
        ("TSHIRT-BLK-M", ScanKind.INTERNAL, "code", "TSHIRT-BLK-M"),
        ("]C0TSHIRT-BLK-M", ScanKind.INTERNAL, "code", "TSHIRT-BLK-M"),
        ("123456", ScanKind.INTERNAL, "code", "123456"),
    ],
)
def test_other_kinds(raw: str, kind: ScanKind, field: str, value: str) -> None:
    scan = parse_scan(raw)
    assert scan.kind is kind
    assert getattr(scan, field) == value
    assert scan.gtin is None


def test_gtin14_is_not_taken_for_a_carrier_number() -> None:
    # 797806677146 passes both FedEx's and the GTIN check: the GTIN reading wins.
    assert parse_scan("797806677146").kind is ScanKind.PRODUCT
    assert parse_scan("10012345000017").kind is ScanKind.PRODUCT


def test_bad_ups_check_digit_is_refused() -> None:
    assert "UPS" in refused("1Z999AA10123456785")


def test_configured_patterns_win_and_bad_patterns_are_reported() -> None:
    rules = ScannerRules(rma_pattern=r"R\d{8}", badge_pattern=r"^EMP\d{3}$")
    assert parse_scan("R12345678", rules).rma == "R12345678"
    assert parse_scan("XR12345678", rules).kind is ScanKind.INTERNAL  # whole code only
    assert parse_scan("EMP042", rules).badge == "EMP042"
    assert parse_scan("RMA-12345", rules).kind is ScanKind.INTERNAL  # default no longer applies
    assert "regex" in refused("SKU-1", ScannerRules(rma_pattern="(["))


# -- scanner framing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "rules"),
    [
        ("]E09506000134352\r\n", ScannerRules()),
        ("]E09506000134352\r", ScannerRules()),
        ("\x02]E09506000134352\x03\r\n", ScannerRules(wedge_prefix="\x02", wedge_suffix="\x03")),
        ("]E09506000134352\t", ScannerRules()),
        ("#]E09506000134352#\n", ScannerRules(wedge_prefix="#", wedge_suffix="#")),
        ("  ]E09506000134352  ", ScannerRules()),
    ],
)
def test_wedge_framing_is_stripped(raw: str, rules: ScannerRules) -> None:
    scan = parse_scan(raw, rules)
    assert (scan.gtin, scan.symbology, scan.text) == (GTIN, "]E0", "9506000134352")


def test_prefix_is_optional_for_typed_codes() -> None:
    rules = ScannerRules(wedge_prefix="\x02", wedge_suffix="\x03")
    assert parse_scan("RMA-12345\n", rules).rma == "RMA-12345"


# -- hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("RMA-\x0012345", "\\x00"),
        ("abc\x07", "\\x07"),
        ("\x1b[31mRED", "\\x1b"),  # a terminal escape sequence
        ("SKU\t123", "\\t"),
        ("SKU\x7f", "\\x7f"),
        ("SKU-\u00e9", "\\xe9"),
        ("SKU-\u202e321", "\\u202e"),  # right-to-left override
        ("\u0660\u0661", "\\u0660"),  # Arabic-Indic digits are not digits here
        ("]C1" + "01" + GTIN + "21A\x1cB", "\\x1c"),
    ],
)
def test_control_and_non_ascii_characters_are_refused_escaped(raw: str, shown: str) -> None:
    reason = refused(raw)
    assert shown in reason


@pytest.mark.parametrize("raw", ["", " ", "\r\n", "\t \n", GS, "]E0 "])
def test_empty_input_is_refused(raw: str) -> None:
    assert "empty" in refused(raw) or "nothing after the symbology id ]E0" in refused(raw)


@pytest.mark.parametrize("raw", [None, b"09506000134352", 9506000134352])
def test_non_text_is_refused(raw: object) -> None:
    refused(raw)


@pytest.mark.parametrize("raw", ["A" * 10_240, "9" * 10_240, "\x00" * 10_240, "é" * 10_240])
def test_ten_kilobyte_paste_is_refused_quickly(raw: str) -> None:
    started = time.perf_counter()
    for _ in range(100):
        with pytest.raises(BarcodeError) as info:
            parse_scan(raw)
    per_call = (time.perf_counter() - started) / 100
    assert "too long" in info.value.reason and "10240" in info.value.reason
    assert len(info.value.reason) < 120  # the paste is never echoed back
    assert per_call < 0.001


def test_long_code_within_limit_is_not_an_internal_code() -> None:
    assert "not a code" in refused("A" * 65)
    assert "not a code" in refused("SKU;123")


def test_typical_scans_are_fast() -> None:
    samples = [
        "]C1" + "01" + GTIN + "17250101" + "10ABC123" + GS + "21XYZ",
        "https://id.gs1.org/01/09506000134352/21/ABC?17=251231",
        "036000291452",
        "RMA-12345",
    ]
    for raw in samples:  # first calls load biip's tables
        parse_scan(raw)
    timings = []
    for _ in range(50):
        for raw in samples:
            started = time.perf_counter()
            parse_scan(raw)
            timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.001
