"""``floor decode``: the JSON contract, text mode escaping, exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from floor_app.cli import main


@pytest.fixture
def images(tmp_path: Path) -> dict[str, Path]:
    import cv2

    from floor_app.scanning.synthetic import barcode_image, scene

    out = {
        "ean": tmp_path / "ean.png",
        "gs1": tmp_path / "gs1 label.png",
        "blank": tmp_path / "blank.jpg",
        "broken": tmp_path / "broken.png",
        "link": tmp_path / "link.png",
    }
    cv2.imwrite(str(out["ean"]), scene(barcode_image("400638133393", "ean13", scale=2), seed=3))
    gs1 = barcode_image("(01)09504000059101(10)L1(17)271231(21)S9", "code128", gs1=True)
    cv2.imwrite(str(out["gs1"]), gs1)
    cv2.imwrite(str(out["blank"]), scene(None, seed=4))
    out["broken"].write_bytes(b"\x89PNG\r\n\x1a\n but not really")
    url = "https://id.gs1.org/01/09504000059101/21/S1"
    cv2.imwrite(str(out["link"]), barcode_image(url, "qr", scale=4))
    return out


def run(capsys, *argv: str) -> tuple[int, list[str], str]:
    status = main(["decode", *argv])
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err


def test_json_one_line_per_image(capsys, images) -> None:
    paths = [str(images[k]) for k in ("ean", "blank", "gs1", "link")]
    status, lines, _ = run(capsys, *paths, "--json")
    assert status == 0
    objs = [json.loads(line) for line in lines]
    assert [o["image"] for o in objs] == paths
    ean, blank, gs1, link = objs
    assert ean["codes"] == [
        {
            "text": "4006381333931",
            "symbology": "EAN-13",
            "gtin": "04006381333931",
            "aim": "]E0",
            "scan": "]E04006381333931",
            "decoders": ["zxing", "zbar"],
        }
    ]
    assert blank == {"image": paths[1], "codes": []}
    [code] = gs1["codes"]
    # AI 17 is fixed-length: no separator after it.
    assert code["text"] == "010950400005910110L1\x1d1727123121S9"
    assert code["gtin"] == "09504000059101"
    assert code["aim"] == "]C1"
    ais = {a["ai"]: a["value"] for a in code["gs1"]}
    assert ais == {"01": "09504000059101", "10": "L1", "17": "271231", "21": "S9"}
    assert [a.get("date") for a in code["gs1"] if a["ai"] == "17"] == ["2027-12-31"]
    [qr] = link["codes"]
    assert (qr["aim"], qr["gtin"]) == ("]Q1", "09504000059101")
    assert {a["ai"] for a in qr["gs1"]} == {"01", "21"}


def test_unreadable_file_exit_2_and_other_lines_still_printed(capsys, images) -> None:
    paths = [
        str(images["broken"]),
        str(images["ean"]),
        str(images["broken"].with_name("missing.png")),
    ]
    status, lines, _ = run(capsys, *paths, "--json")
    assert status == 2
    objs = [json.loads(line) for line in lines]
    assert [o["image"] for o in objs] == paths
    assert "error" in objs[0] and "error" in objs[2] and "error" not in objs[1]
    assert objs[1]["codes"][0]["gtin"] == "04006381333931"


def test_text_mode_escapes_separators_and_names(capsys, images, tmp_path: Path) -> None:
    odd = tmp_path / "evil\x1b[31m.png"
    odd.write_bytes(images["gs1"].read_bytes())
    status, lines, _ = run(capsys, str(images["gs1"]), str(images["blank"]), str(odd))
    assert status == 0
    text = "\n".join(lines)
    assert "\x1d" not in text and "\x1b" not in text
    assert "]C1 010950400005910110L1<GS>" in lines[0]
    assert "GTIN 09504000059101" in lines[0]
    assert lines[1].endswith("blank.jpg: no barcode")
    assert "evil\\x1b[31m.png" in lines[2]


def test_text_mode_unreadable_goes_to_stderr(capsys, images) -> None:
    status, lines, err = run(capsys, str(images["broken"]), str(images["ean"]))
    assert status == 2
    assert "not a readable image" in err
    assert len(lines) == 1 and "4006381333931" in lines[0]


def test_without_zbar_decode_still_works(capsys, images, monkeypatch) -> None:
    from floor_app.scanning import decoders

    def no_zbar(*args, **kwargs):
        raise decoders.DecoderUnavailable("zbar is not available; install the libzbar0 package")

    monkeypatch.setattr(decoders.ZbarDecoder, "__init__", no_zbar)
    status, lines, err = run(capsys, str(images["ean"]), str(images["gs1"]), "--json")
    assert status == 0
    assert "libzbar0" in err
    codes = [json.loads(line)["codes"] for line in lines]
    assert [c[0]["gtin"] for c in codes] == ["04006381333931", "09504000059101"]
    assert codes[0][0]["decoders"] == ["zxing"]
