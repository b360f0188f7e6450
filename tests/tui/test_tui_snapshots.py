"""SVG snapshots of the station's main states at 80x24 and 120x40.

Deterministic: the services run on a fake clock and ``new_id`` is replaced by a counter.
Update after a deliberate change with ``pytest tests/tui/test_tui_snapshots.py
--snapshot-update`` and look at the SVGs before committing them.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from tui_support import JACKET_GS1, MUG_EAN, WORKER, burst, fixed_ids, press_alone


@pytest.fixture
def app(hub: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from floor_app.tui.app import make_app

    fixed_ids(monkeypatch)
    # The label preview comes from the labels module when present; its layout is someone
    # else's to change, so these snapshots use the station's own plain fallback.
    monkeypatch.setitem(sys.modules, "floor_app.labels.text", None)
    return make_app(hub.services, idle_clock=hub.idle)


async def _grading(pilot: Any) -> None:
    await burst(pilot, WORKER)
    await burst(pilot, JACKET_GS1)


async def _fill(pilot: Any) -> None:
    await _grading(pilot)
    await press_alone(pilot, "1")


async def _wrong_label(pilot: Any) -> None:
    await _fill(pilot)
    await burst(pilot, "LBL-0000WRONG00")


async def _restock(pilot: Any) -> None:
    await burst(pilot, WORKER)
    await burst(pilot, MUG_EAN)
    await press_alone(pilot, "2")


def test_signed_out_80x24(app: Any, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=(80, 24))


def test_grading_80x24(app: Any, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=_grading)


def test_fill_80x24(app: Any, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=_fill)


def test_wrong_label_80x24(app: Any, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=_wrong_label)


def test_fill_120x40(app: Any, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=(120, 40), run_before=_fill)


def test_restock_120x40(app: Any, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=(120, 40), run_before=_restock)
