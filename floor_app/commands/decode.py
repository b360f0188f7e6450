"""``floor decode IMAGE... [--json]``: barcodes in image files, through the camera pipeline.

JSON (one line per image, PRODUCT.md): ``{"image": str, "codes": [{"text": str,
"symbology": str, "gtin": str|null, ...}]}``. ``text`` is the decoded data as a wedge
scanner sends it after the AIM identifier (GS1 separators as ASCII 29); more keys:
``aim`` (e.g. ``"]E0"``), ``scan`` (``aim + text``, what the camera emits), ``decoders``
(which decoders read it) and, for GS1 codes, ``gs1`` (the application identifiers).
An unreadable file gives ``{"image": str, "codes": [], "error": str}`` and exit status 2,
after every other image has been printed.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "decode",
        parents=[common],
        help="decode barcodes from image files with the camera pipeline",
        description="Decode the barcodes in image files (PNG, JPEG, WebP...) with zxing-cpp "
        "and zbar combined, as the camera does. Exit status 2 if a file cannot be read.",
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files to decode")
    parser.add_argument("--json", action="store_true", help="print one JSON object per image")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from floor_app.commands._common import run_command

    return run_command(args, lambda: _decode(args))


def _decode(args: argparse.Namespace) -> int:
    import sys

    from floor_app.commands._common import EXIT_BAD_INPUT, EXIT_OK, emit_json, safe_text
    from floor_app.scanning.imaging import ImageUnreadable, load_gray
    from floor_app.scanning.pipeline import DecodePipeline

    pipeline = DecodePipeline()
    for problem in pipeline.problems:  # zbar missing: say so once, decode with zxing-cpp
        sys.stderr.write(f"floor: note: {safe_text(problem)}\n")
    status = EXIT_OK
    for image in args.images:
        try:
            codes = pipeline.decode_image(load_gray(image))
        except ImageUnreadable as exc:
            status = EXIT_BAD_INPUT
            if args.json:
                emit_json({"image": image, "codes": [], "error": str(exc)})
            else:
                sys.stderr.write(f"floor: {safe_text(exc)}\n")
            continue
        items = [_code_json(c) for c in codes]
        if args.json:
            emit_json({"image": image, "codes": items})
        else:
            _print_text(image, items)
    return status


def _code_json(code: Any) -> dict[str, Any]:
    from floor_app.scanning import gs1

    interpreted = gs1.interpret(code)
    item: dict[str, Any] = {
        "text": code.payload,
        "symbology": code.symbology,
        "gtin": code.gtin or gs1.digital_link_gtin(code),
        "aim": code.aim,
        "scan": code.text,
        "decoders": list(code.decoders),
    }
    if interpreted is not None:
        item["gs1"] = interpreted
    return item


def _print_text(image: str, items: list[dict[str, Any]]) -> None:
    from floor_app.commands._common import safe_text
    from floor_app.scanning.symbols import display_text

    name = safe_text(image)
    if not items:
        print(f"{name}: no barcode")
        return
    for item in items:
        line = f"{name}: {item['symbology']} {item['aim']} {display_text(item['text'])}"
        if item["gtin"]:
            line += f"  GTIN {item['gtin']}"
        for ai in item.get("gs1") or []:
            line += f"  ({ai['ai']}) {display_text(str(ai['value']))}"
        print(line)
