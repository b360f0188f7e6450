"""How long parse_scan takes per scan, against baselines measured in the same run.

Baselines: biip's own ``GS1Message.parse`` / ``GS1DigitalLinkURI.parse`` of the same text
(the library alone, without Floor's framing, checks and lost-separator rule), and a bare
``gtin.is_valid`` for plain GTINs. Run: ``.venv/bin/python bench/parse_scan.py``.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from floor_app.domain import gtin
from floor_app.domain.barcodes import parse_scan, preload
from floor_app.domain.scan import BarcodeError

GS = "\x1d"
ROUNDS = 3000


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """p50 and p99 in microseconds over ROUNDS calls."""
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        with contextlib.suppress(BarcodeError):
            fn()
        samples.append(time.perf_counter() - started)
    samples.sort()
    return statistics.median(samples) * 1e6, samples[int(ROUNDS * 0.99)] * 1e6


def main() -> None:
    started = time.perf_counter()
    preload()
    print(f"preload (import biip + tables): {(time.perf_counter() - started) * 1e3:.0f} ms")
    from biip.gs1_digital_link_uris import GS1DigitalLinkURI
    from biip.gs1_messages import GS1Message

    gs1 = "0109506000134352" + "17250101" + "10ABC123" + GS + "21XYZ"
    link = "https://id.gs1.org/01/09506000134352/21/ABC?17=251231"
    cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        ("GS1-128 ]C1", lambda: parse_scan("]C1" + gs1), lambda: GS1Message.parse(gs1)),
        ("Digital Link", lambda: parse_scan(link), lambda: GS1DigitalLinkURI.parse(link)),
        (
            "no-GS serial (ambiguity check)",
            lambda: parse_scan("0109506000134352" + "21A1B2C3D4E5F6G7H8J9"),
            lambda: GS1Message.parse("0109506000134352" + "21A1B2C3D4E5F6G7H8J9"),
        ),
        ("UPC-A", lambda: parse_scan("036000291452"), lambda: gtin.is_valid("036000291452")),
        ("RMA", lambda: parse_scan("RMA-12345"), lambda: gtin.is_valid("036000291452")),
        ("10 kB paste", lambda: parse_scan("A" * 10_240), lambda: gtin.is_valid("036000291452")),
    ]
    print(f"{'case':34s} {'p50 us':>8s} {'p99 us':>8s} {'base p50':>9s} {'ratio':>6s}")
    for name, fn, base in cases:
        p50, p99 = timed(fn)
        b50, _ = timed(base)
        print(f"{name:34s} {p50:8.1f} {p99:8.1f} {b50:9.1f} {p50 / b50:6.2f}")


if __name__ == "__main__":
    main()
