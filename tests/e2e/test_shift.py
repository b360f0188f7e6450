"""A small whole shift under faults (bench/shift.py at test size): nothing lost or doubled."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_bench():  # type: ignore[no-untyped-def]
    # Imported by name (not from a file path) so the spawned station processes can find
    # `bench.shift.station_main` again: they inherit this sys.path.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("bench.shift")


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_small_shift_under_faults(tmp_path: Path) -> None:
    shift = load_bench()
    report = shift.run_shift(shift.Shift(units=400, minutes=0.75, seed=11, folder=tmp_path),
                             log=lambda *_: None)
    print(report)
    assert report["problems"] == []
    assert report["units"] == 400 and report["kills"] == 2
    # the faults really happened: labels waited for the printer, events for the link
    assert report["labels_retried_after_printer_outage"] > 0
    assert report["sync_lag_after_link_returned_s"] is not None
    # a station killed between the printer taking a label and marking it sent prints that
    # one label again after its lease (same id: the second confirm scan is refused)
    assert report["labels_printed_twice"] <= report["kills"]
    assert report["events"] >= 2 * 400
