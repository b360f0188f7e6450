"""Seed a hub database quickly, and check the invariants a decision must keep.

Used by the race and kill -9 tests (and importable by their child processes, so it
holds no pytest fixtures). Rows go in through the store models with Core bulk inserts:
one write transaction per table, no ORM objects.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, text

from floor_app.domain.gtin import check_digit
from floor_app.store.engine import Database
from floor_app.store.models import BackorderLine, CatalogItem, ExpectedReturn, Gtin

HUB = "HUB-1"
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def ean13(n: int, prefix: str = "20") -> str:
    """A 13-digit EAN with a valid check digit; distinct ``n`` give distinct codes."""
    body = f"{prefix}{n:010d}"
    if len(body) != 12:
        raise ValueError(f"{n} does not fit an EAN-13 with prefix {prefix}")
    return body + str(check_digit(body))


def gs1_serial(gtin14: str, serial: str) -> str:
    """A GS1-128 element string as a scanner sends it: AIM ``]C1``, AI 01, then AI 21 last
    (a variable-length AI at the end needs no separator)."""
    return f"]C101{gtin14}21{serial}"


@dataclass(frozen=True)
class SeedItem:
    sku: str
    ean: str  # what a worker scans
    gtin14: str  # what the catalogue stores

    def code(self, serial: str | None = None) -> str:
        return gs1_serial(self.gtin14, serial) if serial else self.ean


@dataclass(frozen=True)
class SeedLine:
    backorder_id: str
    sku: str
    qty: int
    min_grade: str | None
    hub_id: str
    status: str


def _bulk(db: Database, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        with db.write() as s:
            s.execute(insert(model), list(rows))


def seed_catalog(db: Database, n_skus: int, *, start: int = 0) -> list[SeedItem]:
    """``n_skus`` catalogue items, each with one EAN-13 (stored as its GTIN-14)."""
    items = [
        SeedItem(f"SKU-{i:05d}", ean13(i), "0" + ean13(i)) for i in range(start, start + n_skus)
    ]
    _bulk(
        db,
        CatalogItem,
        [
            {"sku": it.sku, "name": f"Item {it.sku}", "variant": "std", "unit_value_cents": 4999}
            for it in items
        ],
    )
    _bulk(db, Gtin, [{"gtin": it.gtin14, "sku": it.sku} for it in items])
    return items


def seed_lines(
    db: Database,
    items: Iterable[SeedItem],
    *,
    per_sku: int,
    rng: random.Random,
    qty: tuple[int, int] = (1, 3),
    min_grades: Sequence[str | None] = (None,),
    hub_id: str = HUB,
    status: str = "open",
    prefix: str = "BO",
    now: datetime = NOW,
) -> list[SeedLine]:
    """Backorder lines with random small quantities, promises and priorities."""
    lines: list[SeedLine] = []
    rows: list[dict[str, Any]] = []
    for it in items:
        for k in range(per_sku):
            bid = f"{prefix}-{it.sku}-{k:04d}"
            line = SeedLine(bid, it.sku, rng.randint(*qty), rng.choice(min_grades), hub_id, status)
            lines.append(line)
            rows.append(
                {
                    "backorder_id": bid,
                    "order_id": f"O-{bid}",
                    "sku": it.sku,
                    "hub_id": hub_id,
                    "epoch": 1,
                    "qty": line.qty,
                    "qty_filled": 0,
                    "min_grade": line.min_grade,
                    "priority": "expedite" if rng.random() < 0.1 else "normal",
                    "ordered_at": now - timedelta(days=rng.randint(1, 30)),
                    "promised_at": now + timedelta(days=rng.randint(-3, 10)),
                    "unit_value_cents": 4999,
                    "ship_to_name": "Customer",
                    "ship_to_city": "Lyon",
                    "ship_to_postcode": "69001",
                    "status": status,
                }
            )
    _bulk(db, BackorderLine, rows)
    return lines


def seed_returns(db: Database, rows: Iterable[tuple[str, str, int]]) -> None:
    """Expected returns as (rma, sku, qty)."""
    _bulk(
        db,
        ExpectedReturn,
        [
            {"rma": rma, "order_id": f"O-{rma}", "sku": sku, "qty": qty, "expected_at": NOW}
            for rma, sku, qty in rows
        ],
    )


# -- invariants ---------------------------------------------------------------------------


def _rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql)))


def invariant_problems(engine: Engine) -> list[str]:
    """Every broken invariant of the decision path, as sentences (empty: all hold).

    - no line filled beyond its quantity, and qty_filled == its live allocations;
    - outbox seq has no gaps;
    - every unit has one ``unit.received`` event, every current decision one
      ``unit.decided`` event, every allocation one ``allocation.created`` event;
    - nothing half-done: a decided unit has its current decision, inspection and label;
      an allocation has its label and its decision; a unit has at most one current decision.
    """
    out: list[str] = []
    for bid, qty, filled, live in _rows(
        engine,
        """SELECT b.backorder_id, b.qty, b.qty_filled,
                  (SELECT count(*) FROM allocation a WHERE a.backorder_id = b.backorder_id
                     AND a.status IN ('reserved', 'relabelled'))
           FROM backorder_line b""",
    ):
        if filled > qty:
            out.append(f"line {bid} over-filled: {filled} of {qty}")
        if filled != live:
            out.append(f"line {bid} has qty_filled {filled} but {live} live allocations")
    seqs = [r[0] for r in _rows(engine, "SELECT seq FROM outbox ORDER BY seq")]
    if seqs and seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        missing = sorted(set(range(seqs[0], seqs[-1] + 1)) - set(seqs))
        out.append(f"outbox seq has gaps: missing {missing[:10]} (of {len(missing)})")
    checks = {
        "unit without its unit.received event": """
            SELECT u.unit_id FROM unit u WHERE (SELECT count(*) FROM outbox o
              WHERE o.type = 'unit.received' AND o.aggregate_id = u.unit_id) != 1""",
        "current decision without exactly one unit.decided event": """
            SELECT d.decision_id FROM decision d WHERE d.undone_at IS NULL AND
              (SELECT count(*) FROM outbox o WHERE o.type = 'unit.decided'
                 AND o.aggregate_id = d.unit_id) != 1""",
        "allocation without exactly one allocation.created event": """
            SELECT a.allocation_id FROM allocation a WHERE (SELECT count(*) FROM outbox o
              WHERE o.type = 'allocation.created' AND o.aggregate_id = a.allocation_id) != 1""",
        "decided unit without a current decision": """
            SELECT u.unit_id FROM unit u WHERE u.status NOT IN ('received', 'held')
              AND NOT EXISTS (SELECT 1 FROM decision d WHERE d.unit_id = u.unit_id
                                AND d.undone_at IS NULL)""",
        "unit with more than one current decision": """
            SELECT d.unit_id FROM decision d WHERE d.undone_at IS NULL
            GROUP BY d.unit_id HAVING count(*) > 1""",
        "decision without its inspection": """
            SELECT d.decision_id FROM decision d LEFT JOIN inspection i ON i.id = d.inspection_id
            WHERE i.id IS NULL OR i.unit_id != d.unit_id""",
        "decision without its label": """
            SELECT d.decision_id FROM decision d LEFT JOIN label l ON l.label_id = d.label_id
            WHERE l.label_id IS NULL OR l.unit_id != d.unit_id""",
        "allocation without its label": """
            SELECT a.allocation_id FROM allocation a LEFT JOIN label l ON l.label_id = a.label_id
            WHERE l.label_id IS NULL OR l.allocation_id != a.allocation_id""",
        "allocation without its decision": """
            SELECT a.allocation_id FROM allocation a WHERE NOT EXISTS (SELECT 1 FROM decision d
              WHERE d.allocation_id = a.allocation_id AND d.unit_id = a.unit_id
                AND d.decision = 'fill_backorder')""",
        "fill decision without its allocation": """
            SELECT d.decision_id FROM decision d WHERE d.decision = 'fill_backorder'
              AND NOT EXISTS (SELECT 1 FROM allocation a
                                WHERE a.allocation_id = d.allocation_id)""",
    }
    for what, sql in checks.items():
        bad = [r[0] for r in _rows(engine, sql)]
        if bad:
            out.append(f"{len(bad)} {what}: {bad[:5]}")
    return out
