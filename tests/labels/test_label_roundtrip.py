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
from label_support import make_content

from floor_app.labels.layout import SIZES
from floor_app.labels.pdf import render_pdf
from floor_app.labels.zpl import render_zpl
from floor_app.scanning.symbols import CODE128

# Each template (4x6 and 2x1 stock, 203 and 300 dpi) with the kinds that change its layout
# most: the fill (ship-to, packing steps), a bin, a tote and a hold. The WASM renderer takes
# about a second per label on a busy 2-core machine, so the other kinds are rendered by
# docs/labels/make_examples.py (which decodes them too) rather than on every test run.
CASES = [
    ("fill_backorder", "4x6", 203),
    ("restock_open_box", "4x6", 203),
    ("hold_unknown", "4x6", 203),
    ("fill_backorder", "4x6", 300),
    ("send_to_dc", "4x6", 300),
    ("restock", "2x1", 203),
    ("liquidate", "2x1", 300),
    ("fill_backorder", "2x1", 300),
]


def _label_id(i: int) -> str:
    return f"LBL-01KBMR7Q3Z{i:02d}X9YV2N8HTC"


@pytest.mark.slow
@pytest.mark.parametrize("half", [0, 1])  # two node processes, so xdist can split the work
def test_zpl_templates_render_and_decode_back(  # type: ignore[no-untyped-def]
    zpl_to_png, decode_image, tmp_path: Path, half: int
) -> None:
    cases = [(i, case) for i, case in enumerate(CASES) if i % 2 == half]
    jobs = []
    for i, (kind, size, dpi) in cases:
        c = make_content(kind, label_id=_label_id(i), name="Tee ^XA~JR [bold]x[/]")
        w, h = SIZES[size]
        jobs.append((render_zpl(c, size, dpi), w, h, dpi, tmp_path / f"{i}.png"))
    zpl_to_png(jobs)
    for i, (kind, size, dpi) in cases:
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
