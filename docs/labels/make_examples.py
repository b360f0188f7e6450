"""Regenerate the example label images in docs/labels/ (run from the repository root).

    .venv/bin/python docs/labels/make_examples.py

ZPL is rendered offline by zpl-renderer-js (``make node-deps`` installs it under
tests/labels/zpl_render), PDF by poppler's ``pdftoppm``. Each image is also decoded with
the station's own barcode pipeline, so an example that would not scan is never committed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "labels"
RENDER = ROOT / "tests" / "labels" / "zpl_render"
sys.path.insert(0, str(ROOT))

from floor_app.domain.label_content import (  # noqa: E402
    LabelContent,
    disposition_location,
    headline,
    outbound_lane,
    packing_steps,
)
from floor_app.labels.layout import SIZES  # noqa: E402
from floor_app.labels.pdf import render_pdf  # noqa: E402
from floor_app.labels.text import render_text  # noqa: E402
from floor_app.labels.zpl import render_zpl  # noqa: E402


def example(kind: str, n: int) -> LabelContent:
    fill = kind == "fill_backorder"
    grade = {"fill_backorder": "B", "restock": "A", "send_to_dc": "C", "refurbish": "D"}.get(
        kind, "F"
    )
    if kind.startswith("hold"):
        grade = "B"
    location = (
        outbound_lane("normal", "30-001") if fill else disposition_location(kind, "TEE-ORG-BLK-M")
    )
    return LabelContent(
        label_id=f"LBL-01KBN3Q8ZT{n:02d}7M4XW2RH",
        decision=kind,
        action=headline(kind, location),
        unit_id="U-01KBN3Q8ZTA5",
        sku=None if kind == "hold_unknown" else "TEE-ORG-BLK-M",
        name="" if kind == "hold_unknown" else "Organic cotton tee",
        variant="" if kind == "hold_unknown" else "Black / M",
        serial="SN-884422",
        grade=grade,
        order_id="SO-100234" if fill else None,
        ship_to_name="Zoë Łódź-Müller" if fill else "",
        ship_to_city="Kraków" if fill else "",
        ship_to_postcode="30-001" if fill else "",
        location=location,
        steps=packing_steps(kind, grade),
        reason=None if fill else ("unknown GTIN 0614141999996" if kind == "hold_unknown" else
                                  f"no open backorder takes TEE-ORG-BLK-M at grade {grade}"),
        hub_id="HUB-KRK-1",
        created_at="2026-03-02T08:00:00+00:00",
    )  # fmt: skip


# (file stem, decision kind, stock, dpi)
ZPL_EXAMPLES = [
    ("fill_backorder-4x6", "fill_backorder", "4x6", 203),
    ("restock-4x6", "restock", "4x6", 203),
    ("send_to_dc-4x6", "send_to_dc", "4x6", 203),
    ("refurbish-4x6", "refurbish", "4x6", 203),
    ("liquidate-4x6", "liquidate", "4x6", 203),
    ("hold_unknown-4x6", "hold_unknown", "4x6", 203),
    ("restock-2x1", "restock", "2x1", 203),
    ("send_to_dc-2x1", "send_to_dc", "2x1", 203),
]


def main() -> int:
    from floor_app.scanning.imaging import load_gray
    from floor_app.scanning.pipeline import DecodePipeline

    jobs, expected = [], {}
    for n, (stem, kind, size, dpi) in enumerate(ZPL_EXAMPLES):
        c = example(kind, n)
        w, h = SIZES[size]
        out = OUT / f"zpl-{stem}.png"
        jobs.append({"zpl": render_zpl(c, size, dpi).decode(), "width_mm": w * 25.4,
                     "height_mm": h * 25.4, "dpmm": 8, "out": str(out)})  # fmt: skip
        expected[out] = c.label_id
    subprocess.run(["node", str(RENDER / "render.cjs")], input=json.dumps(jobs).encode(),
                   check=True, cwd=RENDER, timeout=300)  # fmt: skip
    fill = example("fill_backorder", 90)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "fill.pdf"
        pdf.write_bytes(render_pdf(fill, "4x6"))
        subprocess.run(["pdftoppm", "-r", "203", "-png", "-singlefile", str(pdf),
                        str(OUT / "pdf-fill_backorder-4x6")], check=True, timeout=60)  # fmt: skip
    expected[OUT / "pdf-fill_backorder-4x6.png"] = fill.label_id
    (OUT / "text-fill_backorder.txt").write_text(render_text(fill) + "\n", encoding="utf-8")

    pipeline = DecodePipeline()
    bad = 0
    for path, label_id in expected.items():
        codes = [c.payload for c in pipeline.decode_image(load_gray(path))]
        status = "ok" if label_id in codes else f"DOES NOT DECODE (got {codes})"
        bad += status != "ok"
        print(f"{path.relative_to(ROOT)}: {status}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
