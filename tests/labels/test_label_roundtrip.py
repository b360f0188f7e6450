"""Round trip: each template rendered offline to pixels, then read back by our decoder.

ZPL goes through ``zpl-renderer-js`` (a WASM build of the zebrash renderer, installed under
``tests/labels/zpl_render`` by ``make node-deps``); PDF through poppler's ``pdftoppm``.
The Code 128 on every label must decode to the label id with ``floor_app.scanning``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from label_support import KINDS, make_content

from floor_app.labels.layout import SIZES
from floor_app.labels.pdf import render_pdf
from floor_app.labels.zpl import render_zpl
from floor_app.scanning.symbols import CODE128

# Every kind on 4x6 at 203 dpi, the fill at 300 dpi, and the 2x1 stock for the kinds it
# is meant for (bins and totes) at both resolutions.
CASES = [(k, "4x6", 203) for k in KINDS] + [
    ("fill_backorder", "4x6", 300),
    ("restock", "2x1", 203),
    ("restock_open_box", "2x1", 300),
    ("send_to_dc", "2x1", 203),
    ("refurbish", "2x1", 300),
    ("liquidate", "2x1", 203),
    ("fill_backorder", "2x1", 203),
]


def _label_id(i: int) -> str:
    return f"LBL-01KBMR7Q3Z{i:02d}X9YV2N8HTC"


@pytest.mark.slow
def test_zpl_templates_render_and_decode_back(zpl_to_png, decode_image, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    jobs = []
    for i, (kind, size, dpi) in enumerate(CASES):
        c = make_content(kind, label_id=_label_id(i), name="Tee ^XA~JR [bold]x[/]")
        w, h = SIZES[size]
        jobs.append((render_zpl(c, size, dpi), w, h, dpi, tmp_path / f"{i}.png"))
    zpl_to_png(jobs)
    for i, (kind, size, dpi) in enumerate(CASES):
        codes = decode_image(tmp_path / f"{i}.png")
        assert (_label_id(i), CODE128) in codes, (kind, size, dpi, codes)


@pytest.mark.parametrize("size", ["4x6", "2x1"])
def test_pdf_labels_rasterise_and_decode_back(decode_image, size: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    exe = shutil.which("pdftoppm")
    assert exe, "poppler-utils (pdftoppm) is installed by `make setup`"
    kinds = ["fill_backorder", "restock", "send_to_dc", "hold_unknown"]
    labels = [make_content(k, label_id=_label_id(40 + i)) for i, k in enumerate(kinds)]
    src = tmp_path / "labels.pdf"
    src.write_bytes(render_pdf(labels, size))
    # 2x1 in PDFs go to office printers (600 dpi); a 203 dpi raster of a 24-character
    # Code 128 two inches wide has under 1.2 px per module and aliases.
    dpi = "203" if size == "4x6" else "600"
    subprocess.run(
        [exe, "-r", dpi, "-gray", "-png", str(src), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(labels)
    for page, label in zip(pages, labels, strict=True):
        assert (label.label_id, CODE128) in decode_image(page), page.name
