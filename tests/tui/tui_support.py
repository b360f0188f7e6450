"""Helpers for the station's Pilot tests: a tiny hub, a fake clock, scanner bursts."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from textual import events
from textual.app import App

from floor_app.scanning.wedge import GS

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

JACKET_EAN = "4006381333931"  # SKU JKT-RED-M: one open backorder (Lyon)
MUG_EAN = "5012345678900"  # SKU MUG-01: no backorder (restock)
UNKNOWN_EAN = "7612345678900"  # valid check digit, not in the catalogue
JACKET_GS1 = "]C1010" + JACKET_EAN + "10LOT7" + GS + "21SER001"  # lot, GS, serial
WORKER = "OP-W7"
LEAD = "OP-L1"


class FakeClock:
    """The services' clock: aware UTC, moved by hand."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@dataclass
class Hub:
    services: Any
    clock: FakeClock
    idle: FakeMonotonic


def seed_tiny_hub(db: Any) -> None:
    from floor_app.store.models import BackorderLine, CatalogItem, ExpectedReturn, Gtin

    with db.write() as s:
        s.add(
            CatalogItem(
                sku="JKT-RED-M", name="Rain jacket", variant="Red / M", unit_value_cents=8900
            )
        )
        s.add(CatalogItem(sku="MUG-01", name="Mug [bold]big[/bold]", variant="Blue"))
        s.flush()
        s.add(Gtin(gtin="0" + JACKET_EAN, sku="JKT-RED-M"))
        s.add(Gtin(gtin="0" + MUG_EAN, sku="MUG-01"))
        s.add(
            BackorderLine(
                backorder_id="BO-1",
                order_id="ORD-1001",
                sku="JKT-RED-M",
                hub_id="HUB-1",
                qty=1,
                min_grade="B",
                ordered_at=NOW - timedelta(days=3),
                promised_at=NOW + timedelta(days=2),
                ship_to_name="A. Martin",
                ship_to_city="Lyon",
                ship_to_postcode="69001",
            )
        )
        s.add(ExpectedReturn(rma="RMA-5001", order_id="ORD-900", sku="JKT-RED-M", qty=2))
        s.add(ExpectedReturn(rma="RMA-5002", order_id="ORD-901", sku="MUG-01", qty=1))


def fixed_ids(monkeypatch: Any) -> None:
    """Deterministic ids for snapshots (the real ones hold the time and random bits)."""
    import floor_app.services.station as station_mod

    counter = itertools.count(1)
    monkeypatch.setattr(station_mod, "new_id", lambda prefix: f"{prefix}-{next(counter):010d}TEST")


def key_event(ch: str, t: float | None = None) -> events.Key:
    """The Key event Textual's own xterm parser makes for one input byte (0x1d included)."""
    from textual._xterm_parser import XTermParser

    (ev,) = [e for e in XTermParser().feed(ch) if isinstance(e, events.Key)]
    if t is not None:
        ev.time = t
    return ev


async def burst(
    pilot: Any, text: str, *, gap_ms: float = 2.0, enter: bool = True, settle_workers: bool = True
) -> None:
    """Send ``text`` as a wedge scanner would: keys a couple of ms apart, then Enter.

    Events go through the driver's queue like real input; their times are set so the
    burst is a burst whatever the machine's speed.
    """
    app: App[Any] = pilot.app
    import time

    # Key times only move forward: a call after another starts after the last key it sent
    # (plus a pause), even though typed keys were stamped ahead of the wall clock.
    t0 = max(time.monotonic(), getattr(app, "_test_last_key_time", 0.0) + 0.5)
    chars = [*text, "\r"] if enter else list(text)
    app._test_last_key_time = t0 + len(chars) * gap_ms / 1000.0  # type: ignore[attr-defined]
    for i, ch in enumerate(chars):
        ev = key_event(ch, t0 + i * gap_ms / 1000.0)
        ev.set_sender(app)
        assert app._driver is not None
        app._driver.send_message(ev)
    if settle_workers:
        await settle(pilot)
    else:
        for _ in range(5):
            await pilot.pause()


async def typed(pilot: Any, text: str, *, gap_ms: float = 200.0, enter: bool = True) -> None:
    """Hand typing: the same keys, far apart in time."""
    await burst(pilot, text, gap_ms=gap_ms, enter=enter)


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Let key handling, thread workers and the messages they post all finish."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def press_alone(pilot: Any, key: str) -> None:
    """One key pressed on its own (a one-key command waits out the burst window)."""
    await pilot.press(key)
    # U, H and L wait 400 ms when idle (IDLE_COMMAND_MS); other keys wait burst_ms (35 ms).
    await pilot.pause(0.45 if key.upper() in "ULH" else 0.1)
    await settle(pilot)


def banner_text(app: Any) -> str:
    from floor_app.tui.widgets.answer_banner import AnswerBanner

    banner = app.screen.query_one(AnswerBanner)
    a = banner.answer
    if a is None:
        return ""
    rows = " | ".join(f"{k}: {v}" for k, v in a.lines)
    return f"{a.tone} :: {a.headline} :: {rows} :: {a.footer}"
