"""ZPL II output: layout per size and resolution, and outside text that stays text."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from label_support import KINDS, LABEL_ID, make_content, zpl_commands, zpl_fields

from floor_app.labels.layout import code128_modules
from floor_app.labels.sanitize import clean
from floor_app.labels.zpl import TEMPLATE_COMMANDS, field_data, render_zpl

INJECTIONS = (
    "^XA^FO0,0^FDPWNED^FS^XZ",
    "~JR",
    "~DGR:X.GRF,100,10,FFFF",
    "^FS~JA^XZ^XA^PQ999^XZ",
    "[bold]x[/]",
    "\x1b[2J\x1b]0;pwned\x07",
    "a\r\n^XZ\r\n~JR",
    "\\&line\\&break",
    "_5E_7E__",
    "\u202etxet desrever",
    "\x00\x01\x7f",
)
TEXT_FIELDS = ("name", "variant", "ship_to_name", "ship_to_city", "serial", "order_id", "reason")


@pytest.mark.parametrize(
    ("size", "dpi", "pw", "ll"),
    [("4x6", 203, 812, 1218), ("4x6", 300, 1200, 1800), ("2x1", 203, 406, 203),
     ("2x1", 300, 600, 300)],
)  # fmt: skip
def test_label_geometry_matches_stock_and_resolution(size: str, dpi: int, pw: int, ll: int) -> None:
    zpl = render_zpl(make_content(), size, dpi)
    cmds = zpl_commands(zpl)
    assert cmds[0][0] == "^XA" and cmds[-1][0] == "^XZ"
    params = dict(cmds)
    assert params["^CI"] == "28"  # UTF-8
    assert params["^PW"] == str(pw) and params["^LL"] == str(ll)
    # Nothing is placed outside the label, and the barcode with its quiet zones fits.
    for cmd, p in cmds:
        if cmd == "^FO":
            x, y = (int(v) for v in p.split(","))
            assert 0 <= x < pw and 0 <= y < ll
    module = int(params["^BY"].split(",")[0])
    bc_x = int([p for c, p in cmds if c == "^FO"][-1].split(",")[0])
    width = code128_modules(LABEL_ID) * module
    assert bc_x >= 10 * module and bc_x + width <= pw - 10 * module


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_says_what_to_do(kind: str) -> None:
    c = make_content(kind)
    fields = zpl_fields(render_zpl(c, "4x6"))
    assert fields[0] == c.action
    assert fields[-1] == LABEL_ID  # the barcode
    joined = "\n".join(fields)
    for needle in (c.unit_id, c.serial, f"GRADE {c.grade}", c.steps[0]):
        assert needle and needle in joined
    if c.sku:
        assert c.sku in joined and c.name in joined and c.variant in joined
    if kind == "fill_backorder":
        assert "ORDER SO-100234" in joined
        assert "Zoë Łódź-Müller" in joined and "Kraków 30-001" in joined
        assert "LANE X1 (EXPEDITE)" in joined
    else:
        assert c.location in joined
    small = zpl_fields(render_zpl(c, "2x1"))
    assert small[0] == c.action and small[-1] == LABEL_ID


def test_non_ascii_goes_out_as_utf8() -> None:
    zpl = render_zpl(make_content(name="Café crème 東京"))
    assert "Zoë Łódź-Müller".encode() in zpl
    assert "Café crème 東京".encode() in zpl


def test_field_data_escapes_every_command_prefix() -> None:
    assert field_data("^XA~JR_x\\") == "_5EXA_7EJR_5Fx\\\\"
    assert "^" not in field_data("^" * 50) and "~" not in field_data("~" * 50)


def _skeleton(zpl: bytes) -> list[tuple[str, str]]:
    """Commands with their parameters, field data blanked: what the printer will *do*."""
    return [(c, "" if c == "^FD" else p) for c, p in zpl_commands(zpl)]


@pytest.mark.parametrize("payload", INJECTIONS)
@pytest.mark.parametrize(("size", "dpi"), [("4x6", 203), ("2x1", 300)])
def test_injected_text_prints_as_text_and_changes_nothing_else(
    payload: str, size: str, dpi: int
) -> None:
    # Harmless text as long as what is left of the payload once cleaned gives the same
    # layout decisions (which fields exist, how many lines each takes).
    benign = "x" * len(clean(payload))
    hostile = make_content(**{f: payload for f in TEXT_FIELDS})
    calm = make_content(**{f: benign for f in TEXT_FIELDS})
    out = render_zpl(hostile, size, dpi)
    commands = zpl_commands(out)
    assert {c for c, _ in commands} <= TEMPLATE_COMMANDS
    assert not any(c.startswith("~") for c, _ in commands)
    assert _skeleton(out) == _skeleton(render_zpl(calm, size, dpi))
    # No control character reaches the printer; the field ends where the template ends it.
    assert not re.search(rb"[\x00-\x08\x0b-\x1f\x7f]", out)
    # What the printer prints is the cleaned text itself, carets and tildes included.
    if clean(payload) and size == "4x6":
        assert clean(payload) in zpl_fields(out)


def test_a_ten_kilobyte_name_is_cut_and_the_barcode_survives() -> None:
    out = render_zpl(make_content(name="N" * 10_000, ship_to_name="S" * 10_000))
    assert len(out) < 5_000
    assert zpl_fields(out)[-1] == LABEL_ID


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300), st.text(max_size=80))
@example("ab " * 100, "^FS" * 30)
def test_any_text_leaves_the_command_stream_alone(name: str, city: str) -> None:
    out = render_zpl(make_content(name=name, ship_to_city=city))
    calm = make_content(name="x" * len(clean(name)), ship_to_city="y" * len(clean(city)))
    assert set(c for c, _ in zpl_commands(out)) <= TEMPLATE_COMMANDS
    # What the printer does depends on the template and the length of the text only.
    assert _skeleton(out) == _skeleton(render_zpl(calm))
    assert clean(name, limit=120) in zpl_fields(out) or not clean(name)  # the 4x6 name cap
