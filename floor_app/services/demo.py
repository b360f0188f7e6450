"""A realistic demo hub, the same for the same seed.

The catalogue, backorder lines and expected returns are written directly. The week of
history is played through the real :class:`StationService` with a fake clock and seeded
ids, so every history row (units, inspections, decisions, allocations counted in
``qty_filled``, labels, audit entries, outbox events) obeys the same rules as a real
shift. The outbox events of that history are marked as already pushed
(``sync_state.pushed_seq``), because a demo hub has no HQ to send them to.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

from floor_app.config import Settings
from floor_app.domain import gtin as gtins
from floor_app.store.engine import Database
from floor_app.store.models import (
    BackorderLine,
    CatalogItem,
    ExpectedReturn,
    Gtin,
    Label,
    Operator,
    Outbox,
    SyncState,
    Unit,
)

DEFAULT_SEED = 20260302
GS1_PREFIX = "0614141"  # the GS1 example company prefix
DEMO_MARKER = "demo_seed"  # sync_state key written last: a finished demo database

APPAREL = [
    ("Café Racer Jacket", 18900), ("Björk Wool Sweater", 11900), ("Señora Linen Dress", 8900),
    ("Ærø Rain Shell", 14900), ("Harbour Crew Tee", 2400), ("Fjällräven-style Hoodie", 6900),
    ("Łódź Denim Jeans", 7900), ("Piqué Polo", 3900), ("Crème Chino", 5900),
    ("Montréal Parka", 24900), ("Oxford Shirt", 4900), ("Merino Base Layer", 5400),
]  # fmt: skip
SHOES = [
    ("Zürich Trail Runner", 12900), ("Canvas Court Sneaker", 6900), ("Chelsea Boot", 15900),
    ("Niño Sandal", 2900), ("Trail Hiker Mid", 13900),
]  # fmt: skip
COLOURS = ["Black", "Navy", "Olive", "Écru", "Burgundy", "Grey"]
SIZES = ["XS", "S", "M", "L", "XL"]
SHOE_SIZES = ["38", "39", "40", "41", "42", "43", "44", "45"]
FIRST = ["Ann", "Zoë", "Siân", "José", "Øyvind", "Łukasz", "Mary", "Chloé", "Kenji", "Amélie",
         "Liam", "Noor", "Björn", "Ines", "Tomás", "Grace", "Dara", "Émile"]  # fmt: skip
LAST = ["O'Brien", "D'Arcy", "Müller", "García", "Nguyen", "Smith", "Kowalski", "Dubois",
        "O'Neill", "Rossi", "Jensen", "Ó Súilleabháin", "Silva", "Park", "Martin"]  # fmt: skip
CITIES = [("Lyon", "69001"), ("Lyon", "69003"), ("Villeurbanne", "69100"), ("Bron", "69500"),
          ("Vénissieux", "69200"), ("Écully", "69130")]  # fmt: skip
WORKERS = [("OP-W01", "Ana Lima"), ("OP-W02", "Ben Okafor"), ("OP-W03", "Chloé Martin")]
LEAD = ("OP-L01", "Dana Kowalski")
GRADES = (["A"] * 45) + (["B"] * 25) + (["C"] * 15) + (["D"] * 10) + (["F"] * 5)


@dataclass(frozen=True)
class DemoSize:
    """How much to make; tests use a smaller one."""

    styles_apparel: int = 12
    styles_shoes: int = 5
    rma_count: int = 2000
    backorder_lines: int = 450
    history_days: int = 7
    units_per_day: int = 45
    pile_this_morning: int = 30


SMALL = DemoSize(6, 3, 150, 60, 2, 12, 6)


def default_now() -> datetime:
    """Today at 08:00 UTC, the start of the demo shift (or now, if earlier: the history must
    not lie in the future of the station's real clock)."""
    real = datetime.now(UTC).replace(second=0, microsecond=0)
    return min(real, real.replace(hour=8, minute=0))


# --- deterministic ids --------------------------------------------------------------------

_B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _b32(n: int, width: int) -> str:
    return "".join(_B32[(n >> (5 * i)) & 31] for i in reversed(range(width)))


@contextmanager
def _seeded_ids(rng: random.Random, clock: Callable[[], datetime]) -> Iterator[None]:
    """Replace ``new_id`` in the service modules by one driven by the seed and fake clock."""

    def new_id(prefix: str) -> str:
        ms = int(clock().timestamp() * 1000)
        return f"{prefix}-{_b32(ms, 10)}{_b32(rng.getrandbits(50), 10)}"

    # Import the modules that make ids first, or a later import would bring the real one.
    import floor_app.services.allocations
    import floor_app.services.station  # noqa: F401

    patched = []
    for name, module in list(sys.modules.items()):
        if name.startswith("floor_app.services.") and hasattr(module, "new_id"):
            patched.append((module, module.new_id))
            module.new_id = new_id
    try:
        yield
    finally:
        for module, original in patched:
            module.new_id = original


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


# --- master data -----------------------------------------------------------------------------


def _catalogue(rng: random.Random, size: DemoSize, now: datetime) -> tuple[list[dict], list[dict]]:
    items: list[dict[str, Any]] = []
    codes: list[dict[str, str]] = []
    ref = 1000
    styles = [(n, v, SIZES) for n, v in APPAREL[: size.styles_apparel]]
    styles += [(n, v, SHOE_SIZES) for n, v in SHOES[: size.styles_shoes]]
    for s_index, (name, cents, sizes) in enumerate(styles):
        colours = rng.sample(COLOURS, 4 if sizes is SIZES else 3)
        for colour in colours:
            for sz in sizes:
                family = "SH" if sizes is SHOE_SIZES else "AP"
                tint = colour.upper().replace("É", "E")[:3]
                sku = f"{family}{s_index:02d}-{tint}-{sz}"
                items.append(
                    {
                        "sku": sku,
                        "name": name,
                        "variant": f"{colour} / {'EU ' if sizes is SHOE_SIZES else ''}{sz}",
                        "unit_value_cents": cents,
                        "min_grade": "B" if rng.random() < 0.12 else None,
                        "updated_at": now - timedelta(days=30),
                    }
                )
                for _ in range(2 if rng.random() < 0.1 else 1):
                    body = GS1_PREFIX + f"{ref:05d}"
                    ref += 1
                    ean13 = body + str(gtins.check_digit(body))
                    codes.append({"gtin": gtins.normalize(ean13) or "", "sku": items[-1]["sku"]})
    return items, codes


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _returns(
    rng: random.Random, size: DemoSize, skus: list[str], wanted: list[str], now: datetime
) -> list[dict]:
    """RMA lines; four in ten are for a SKU some backorder waits for (the point of a hub)."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    while len(seen) < size.rma_count:
        rma = "RMA-" + _b32(rng.getrandbits(40), 8)
        if rma in seen:
            continue
        seen.add(rma)
        order = f"ORD-{rng.randrange(10**7, 10**8)}"
        who = _person(rng)
        when = now - timedelta(days=10) + timedelta(minutes=rng.randrange(0, 15 * 24 * 60))
        lines = rng.choice((1, 1, 1, 2, 3))
        picked = {
            rng.choice(wanted) if rng.random() < 0.4 else rng.choice(skus) for _ in range(lines)
        }
        for sku in sorted(picked):
            qty = 2 if rng.random() < 0.08 else 1
            rows.append({"rma": rma, "order_id": order, "sku": sku, "qty": qty,
                         "qty_received": 0, "customer_name": who, "expected_at": when})  # fmt: skip
    return rows


def _backorders(
    rng: random.Random, size: DemoSize, items: list[dict], hub_id: str, now: datetime
) -> list[dict]:
    hot = rng.sample(items, max(1, len(items) // 3))  # demand concentrates on some variants
    rows = []
    for i in range(size.backorder_lines):
        item = rng.choice(hot)
        city, postcode = rng.choice(CITIES)
        ordered = now - timedelta(days=rng.randrange(8, 30), minutes=rng.randrange(0, 1440))
        promised = now + timedelta(days=rng.randrange(-5, 10), hours=rng.randrange(0, 24))
        grade = "B" if rng.random() < 0.15 else item["min_grade"] or "A"
        rows.append(
            {
                "backorder_id": f"BO-{100000 + i}",
                "order_id": f"SO-{rng.randrange(10**6, 10**7)}",
                "sku": item["sku"],
                "hub_id": hub_id,
                "epoch": 1,
                "qty": rng.choice((1, 1, 1, 1, 2, 3)),
                "qty_filled": 0,
                "min_grade": grade,
                "priority": "expedite" if rng.random() < 0.15 else "normal",
                "ordered_at": ordered,
                "promised_at": promised,
                "unit_value_cents": item["unit_value_cents"],
                "ship_to_name": _person(rng),
                "ship_to_city": city,
                "ship_to_postcode": postcode,
                "status": "open",
                "updated_at": ordered,
            }
        )
    return rows


# --- a week of history through the real service ------------------------------------------------


@dataclass
class _Pending:
    rma: str
    sku: str
    left: int
    expected_at: datetime


def _serial(rng: random.Random) -> str:
    # Letters only: digits in a trailing serial could read as another GS1 AI.
    return "SN" + "".join(rng.choice("ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(9))


def _unit_codes(rng: random.Random, rma: str | None, gtin14: str) -> list[str]:
    # A GS1 DataMatrix as a wedge scanner sends it: AIM prefix, (01) GTIN, (21) serial.
    product = f"]d201{gtin14}21{_serial(rng)}"
    return [rma, product] if rma else [product]


def _play_history(
    db: Database,
    settings: Settings,
    rng: random.Random,
    size: DemoSize,
    now: datetime,
    gtin_of: dict[str, str],
    returns: list[dict[str, Any]],
    clock: _Clock,
) -> None:
    import heapq

    from floor_app.services.station import StationService

    station = StationService(settings, db, clock=clock)
    pile = [_Pending(r["rma"], r["sku"], r["qty"], r["expected_at"]) for r in returns]
    pile.sort(key=lambda p: (p.expected_at, p.rma, p.sku))
    skus = sorted(gtin_of)

    def take(at: datetime) -> _Pending | None:
        arrived = [p for p in pile if p.left > 0 and p.expected_at <= at]
        if not arrived:
            return None
        p = rng.choice(arrived[:200])  # the older returns are at the front of the pile
        p.left -= 1
        return p

    events: list[tuple[datetime, int, str, Any]] = []
    n = 0
    for day in range(size.history_days, 0, -1):
        start = now - timedelta(days=day)
        crew = rng.sample(WORKERS, 2)
        for _ in range(size.units_per_day):
            at = start + timedelta(seconds=rng.randrange(0, 8 * 3600))
            op = rng.choice(crew)[0]
            kind = "receive" if rng.random() < 0.3 else "process"
            events.append((at, n, kind, (op, rng.randrange(2 * 3600, 6 * 3600))))
            n += 1
    for _ in range(size.pile_this_morning):  # the early shift's bulk intake, not yet graded
        at = now - timedelta(seconds=rng.randrange(60, 90 * 60))
        events.append((at, n, "receive_only", (WORKERS[0][0], 0)))
        n += 1
    heapq.heapify(events)
    while events:
        at, _, kind, data = heapq.heappop(events)
        clock.now = at
        if kind in ("process", "receive", "receive_only"):
            op, later = data
            p = take(at)
            roll = rng.random()
            if p is None or roll < 0.03:  # an unknown item with no RMA
                body = "0614142" + f"{rng.randrange(10**5):05d}"
                codes = _unit_codes(rng, None, "0" + body + str(gtins.check_digit(body)))
            elif roll < 0.05:  # the customer sent something else than the RMA says
                codes = _unit_codes(rng, p.rma, gtin_of[rng.choice(skus)])
            else:
                codes = _unit_codes(rng, p.rma, gtin_of[p.sku])
            if kind == "process":
                result = station.process(codes, rng.choice(GRADES), op)
                if result.decision == "fill_backorder" and result.label_id:
                    late = timedelta(seconds=rng.randrange(45, 400))
                    if at + late < now and rng.random() < 0.92:
                        heapq.heappush(events, (at + late, n, "confirm", (op, result.label_id)))
                        n += 1
            else:
                received = station.receive(codes, op)
                if kind == "receive" and received.status == "received":
                    when = at + timedelta(seconds=later)
                    heapq.heappush(events, (when, n, "inspect", (op, received.unit_id)))
                    n += 1
        elif kind == "inspect":
            op, unit_id = data
            result = station.inspect(unit_id, rng.choice(GRADES), op)
            if result.decision == "fill_backorder" and result.label_id and rng.random() < 0.92:
                late = at + timedelta(seconds=rng.randrange(45, 400))
                heapq.heappush(events, (late, n, "confirm", (op, result.label_id)))
                n += 1
        elif kind == "confirm":
            op, label_id = data
            station.confirm(label_id, op, expected_label_id=label_id)


# --- the whole demo ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    skus: int
    gtins: int
    expected_returns: int
    backorder_lines: int
    units: int
    seed: int


def build_demo(
    db: Database,
    settings: Settings,
    *,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    size: DemoSize | None = None,
) -> DemoSummary:
    """Fill an empty, migrated hub database with the demo hub. Same seed and now, same rows."""
    now = now or default_now()
    size = size or DemoSize()
    rng = random.Random(seed)
    with db.read() as s:
        if s.scalar(select(func.count()).select_from(CatalogItem)):
            raise ValueError("the database already has a catalogue; the demo needs an empty one")
    # The demo's own operators must be able to sign in whatever the roster says.
    demo_settings = settings.model_copy(deep=True)
    demo_settings.roster.operators = []
    demo_settings.roster.leads = [LEAD[0]]

    items, codes = _catalogue(rng, size, now)
    lines = _backorders(rng, size, items, settings.hub.id, now)
    wanted = sorted({ln["sku"] for ln in lines})
    returns = _returns(rng, size, [i["sku"] for i in items], wanted, now)
    gtin_of: dict[str, str] = {}
    for c in codes:
        gtin_of.setdefault(c["sku"], c["gtin"])
    with db.write() as s:
        s.execute(insert(CatalogItem), items)
        s.execute(insert(Gtin), codes)
        s.execute(insert(BackorderLine), lines)
        s.execute(insert(ExpectedReturn), returns)
        start = now - timedelta(days=60)
        staff = [(b, n, "worker") for b, n in WORKERS] + [(LEAD[0], LEAD[1], "lead")]
        s.execute(
            insert(Operator),
            [{"badge_id": b, "name": n, "role": r, "created_at": start} for b, n, r in staff],
        )

    # One fake clock for the service and the ids, so ids sort by the history's own time.
    # (Building patches module globals: it runs before any station opens.)
    clock = _Clock(now - timedelta(days=size.history_days))
    with _seeded_ids(rng, lambda: clock.now):
        _play_history(db, demo_settings, rng, size, now, gtin_of, returns, clock)

    with db.write() as s:
        # Printed long ago: history labels are not waiting for a printer.
        s.execute(update(Label).where(Label.status == "pending").values(status="sent", sent_at=now))
        pushed = s.scalar(select(func.max(Outbox.seq))) or 0
        for key, value in (("pushed_seq", str(pushed)), (DEMO_MARKER, str(seed))):
            s.merge(SyncState(key=key, value=value))
        units = s.scalar(select(func.count()).select_from(Unit)) or 0
    return DemoSummary(len(items), len(codes), len(returns), len(lines), units, seed)


def is_demo_complete(db: Database) -> bool | None:
    """True for a finished demo, False for a half-built one, None for a database with no data."""
    with db.read() as s:
        if s.get(SyncState, DEMO_MARKER) is not None:
            return True
        return False if s.scalar(select(func.count()).select_from(CatalogItem)) else None
