"""Each symbology, drawn by zxing-cpp's writer, comes out as a wedge scanner sends it."""

from __future__ import annotations

import pytest

from floor_app.scanning.synthetic import barcode_image, scene

CASES = [
    # (content, kind, gs1, expected wedge text, symbology, gtin)
    ("400638133393", "ean13", False, "]E04006381333931", "EAN-13", "04006381333931"),
    ("03600029145", "upca", False, "]E00036000291452", "EAN-13", "00036000291452"),
    ("0123456", "upce", False, "]E00012345000065", "UPC-E", "00012345000065"),
    ("1234567", "ean8", False, "]E412345670", "EAN-8", "00000012345670"),
    ("00012345678905", "itf", False, "]I100012345678905", "ITF", "00012345678905"),
    ("FLOOR-42", "code128", False, "]C0FLOOR-42", "Code 128", None),
    (
        "(01)09504000059101(10)L1(21)S9",
        "code128",
        True,
        "]C1010950400005910110L1\x1d21S9",
        "Code 128",
        "09504000059101",
    ),
    (
        "(01)09504000059101(21)S1",
        "datamatrix",
        True,
        "]d2010950400005910121S1",
        "Data Matrix",
        "09504000059101",
    ),
    (
        "(01)09504000059101(17)271231",
        "qr",
        True,
        "]Q3010950400005910117271231",
        "QR Code",
        "09504000059101",
    ),
    ("RMA-7QX2K9", "qr", False, "]Q1RMA-7QX2K9", "QR Code", None),
]


@pytest.mark.parametrize(("content", "kind", "gs1", "text", "symbology", "gtin"), CASES)
def test_still_image(pipeline, content, kind, gs1, text, symbology, gtin) -> None:
    [code] = pipeline.decode_image(barcode_image(content, kind, gs1=gs1))
    assert (code.text, code.symbology, code.gtin) == (text, symbology, gtin)


@pytest.mark.parametrize(("content", "kind", "gs1", "text", "symbology", "gtin"), CASES)
def test_each_decoder_in_a_camera_frame(pipeline, content, kind, gs1, text, symbology, gtin):
    from floor_app.scanning.imaging import to_gray

    gray = to_gray(scene(barcode_image(content, kind, gs1=gs1), seed=7))
    tally = pipeline.tally_camera(gray)
    by_decoder: dict[str, set[str]] = {"zxing": set(), "zbar": set()}
    for cand in tally.candidates.values():
        for r in cand.reads:
            by_decoder[r.decoder].add(r.aim + r.payload)
    assert text in by_decoder["zxing"]
    # The camera gives zbar 1-D codes only (zxing-cpp reads the 2-D ones), on a half-size
    # frame; a partial ITF read may come along, which the pipeline drops.
    assert text in by_decoder["zbar"] or kind in ("qr", "datamatrix")
    assert [c.text for c in pipeline.decode_frame(gray)] == [text]


def test_a_scene_without_a_code_reads_nothing(pipeline) -> None:
    from floor_app.scanning.imaging import to_gray

    for seed in range(3):
        gray = to_gray(scene(None, width=640, height=480, seed=seed))
        assert pipeline.tally_camera(gray).candidates == {}
        assert pipeline.decode_image(gray) == []


def test_zbar_reports_the_gs1_modifier(pipeline) -> None:
    zbar = next(d for d in pipeline.decoders if d.name == "zbar")
    gs1 = barcode_image("(01)09504000059101", "code128", gs1=True)
    plain = barcode_image("0109504000059101", "code128")
    assert [r.aim for r in zbar.decode(gs1)] == ["]C1"]
    assert [r.aim for r in zbar.decode(plain)] == ["]C0"]


def test_degenerate_images_do_not_crash(pipeline) -> None:
    import numpy as np

    for shape in [(1, 1), (1, 900), (900, 1), (3, 3)]:
        gray = np.full(shape, 200, np.uint8)
        assert pipeline.decode_image(gray) == []
        assert pipeline.decode_frame(gray) == []
