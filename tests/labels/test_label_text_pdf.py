"""Plain-text preview, PDF output and the cleaning they share."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from label_support import KINDS, LABEL_ID, make_content
from rich.text import Text

from floor_app.labels import pdf as pdf_module
from floor_app.labels.pdf import render_pdf
from floor_app.labels.sanitize import ascii_fallback, clean
from floor_app.labels.text import cells, render_text, wrap_cells


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain", "plain"),
        ("a\x1b[2Jb", "ab"),
        ("\x1b]0;title\x07name", "name"),
        ("\x9b31mred", "red"),
        ("tab\there\r\nnext", "tab here next"),
        ("nul\x00byte\x7f", "nul byte"),
        ("rtl\u202eoverride\u200b", "rtloverride"),
        ("[bold]x[/]", "[bold]x[/]"),
        ("^XA~JR", "^XA~JR"),  # cleaning is medium-neutral: ZPL escapes these itself
        (None, ""),
    ],
)
def test_clean(raw: object, expected: str) -> None:
    assert clean(raw) == expected


def test_clean_caps_length() -> None:
    out = clean("y" * 10_000, limit=50)
    assert len(out) == 50 and out.endswith("…")


def test_ascii_fallback_keeps_names_readable() -> None:
    assert ascii_fallback("Zoë Łódź-Müller, Kraków, Straße") == "Zoe Lodz-Muller, Krakow, Strasse"


@pytest.mark.parametrize("kind", KINDS)
def test_text_preview_has_the_label_and_no_control_characters(kind: str) -> None:
    c = make_content(kind, name="[bold]x[/] \x1b[2J tee", ship_to_name="\x1b[31mEve\x1b[0m")
    out = render_text(c, width=44)
    assert c.action in out and LABEL_ID in out
    assert all(ch == "\n" or ch.isprintable() for ch in out)
    assert "\x1b" not in out
    # Shown with rich/Textual Text (not markup), the brackets are literally there.
    assert "[bold]x[/] tee" in Text(out).plain
    assert all(cells(line) == 44 for line in out.splitlines())
    if kind == "fill_backorder":
        assert "Eve" in out and "ORDER SO-100234" in out


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    exe = shutil.which("pdftotext")
    assert exe, "poppler-utils (pdftotext) is installed by `make setup`"
    src = tmp_path / "l.pdf"
    src.write_bytes(pdf)
    return subprocess.run(
        [exe, "-layout", str(src), "-"], capture_output=True, check=True, timeout=30
    ).stdout.decode("utf-8")


@pytest.mark.parametrize("size", ["4x6", "2x1"])
def test_pdf_one_page_per_label_with_the_right_size(size: str, tmp_path: Path) -> None:
    labels = [make_content(k, label_id=f"LBL-{i:06d}ABCDEF") for i, k in enumerate(KINDS)]
    data = render_pdf(labels, size)
    assert data.startswith(b"%PDF")
    src = tmp_path / "l.pdf"
    src.write_bytes(data)
    info = subprocess.run(
        ["pdfinfo", str(src)], capture_output=True, check=True, timeout=30
    ).stdout.decode()
    assert f"Pages:           {len(KINDS)}" in info
    w, h = {"4x6": (288, 432), "2x1": (144, 72)}[size]
    assert f"Page size:       {w} x {h} pts" in info


def test_pdf_prints_names_as_written_with_dejavu(tmp_path: Path) -> None:
    assert pdf_module.fonts()[2], "DejaVu (fonts-dejavu-core) is installed by `make setup`"
    c = make_content(name="[bold]x[/] <b>tee</b> ^XA", ship_to_name="Zoë Łódź-Müller\x1b[2J")
    text = _pdftotext(render_pdf(c), tmp_path)
    assert "Zoë Łódź-Müller" in text
    assert "[bold]x[/] <b>tee</b> ^XA" in text  # no markup interpreted
    assert "FILL BACKORDER" in text and LABEL_ID in text
    assert "\x1b" not in text


def test_pdf_falls_back_to_helvetica_with_transliteration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf_module.fonts.cache_clear()
    monkeypatch.setattr(pdf_module, "FONT_DIRS", (tmp_path / "no-fonts",))
    try:
        data = render_pdf(make_content())
        assert b"DejaVu" not in data
        text = _pdftotext(data, tmp_path)
        assert "Zoe Lodz-Muller" in text
    finally:
        pdf_module.fonts.cache_clear()


def test_text_preview_keeps_the_box_square_with_wide_characters() -> None:
    c = make_content(name="東京 オーガニック コットン Tシャツ " * 3, ship_to_name="Zoë Łódź")
    lines = render_text(c, width=36).splitlines()
    assert all(cells(line) == 36 for line in lines)
    assert "東京" in "".join(lines)


@pytest.mark.parametrize("width", [5, 12, 40])
def test_wrap_cells_never_overflows(width: int) -> None:
    text = "Supercalifragilistic 東京東京東京東京東京 a bb ccc " * 4
    lines = wrap_cells(text, width)
    assert all(cells(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
