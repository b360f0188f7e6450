"""HQ-side administration: hubs and their tokens, backorders, catalogue, returns.

Each function runs in one HQ write session; an import is all-or-nothing.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from floor_app.domain.gtin import normalize as normalize_gtin
from floor_app.sync.hq import tables as t
from floor_app.sync.hq.ledger import add_change, emit_line


class AdminError(Exception):
    """A bad admin request (unknown hub or line, bad CSV row): nothing was changed."""


def new_token() -> str:
    """A fresh random hub token (32 bytes, URL-safe)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # A random 32-byte token needs no slow hash: sha256 cannot be brute-forced back.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)


def add_hub(session: Session, hub_id: str, token: str, *, now: datetime) -> bool:
    """Create the hub, or give it a new token. True if the hub is new."""
    if not hub_id or len(hub_id) > 64:
        raise AdminError("a hub id is 1 to 64 characters")
    if len(token) < 16:
        raise AdminError("a hub token must be at least 16 characters")
    exists = session.execute(select(t.hub.c.hub_id).where(t.hub.c.hub_id == hub_id)).first()
    if exists:
        session.execute(
            update(t.hub).where(t.hub.c.hub_id == hub_id).values(token_hash=hash_token(token))
        )
        return False
    session.execute(
        insert(t.hub).values(
            hub_id=hub_id, token_hash=hash_token(token), last_seq=0, created_at=now
        )
    )
    return True


def _require_hub(session: Session, hub_id: str) -> None:
    if not session.execute(select(t.hub.c.hub_id).where(t.hub.c.hub_id == hub_id)).first():
        raise AdminError(f"unknown hub {hub_id!r}: add it with `floor hq add-hub` first")


def cancel_line(session: Session, backorder_id: str, *, now: datetime) -> None:
    bl = t.backorder_line
    line = session.execute(select(bl).where(bl.c.backorder_id == backorder_id)).first()
    if line is None:
        raise AdminError(f"unknown backorder line {backorder_id!r}")
    session.execute(
        update(bl)
        .where(bl.c.backorder_id == backorder_id)
        .values(status="cancelled", updated_at=now)
    )
    emit_line(session, backorder_id, line.hub_id, now=now)


def reassign_line(session: Session, backorder_id: str, to_hub: str, *, now: datetime) -> int:
    """Give the line to ``to_hub`` with a new epoch; both hubs hear of it. Returns the epoch."""
    _require_hub(session, to_hub)
    bl = t.backorder_line
    line = session.execute(select(bl).where(bl.c.backorder_id == backorder_id)).first()
    if line is None:
        raise AdminError(f"unknown backorder line {backorder_id!r}")
    epoch = int(line.epoch) + 1
    session.execute(
        update(bl)
        .where(bl.c.backorder_id == backorder_id)
        .values(hub_id=to_hub, epoch=epoch, updated_at=now)
    )
    if line.hub_id != to_hub:
        emit_line(session, backorder_id, line.hub_id, now=now)  # revoked there
    emit_line(session, backorder_id, to_hub, now=now)
    return epoch


def upsert_lines(
    session: Session, rows: Iterable[dict[str, Any]], hub_id: str, *, now: datetime
) -> int:
    """Add lines for ``hub_id`` (epoch 1) or update a known line's terms (not its owner)."""
    _require_hub(session, hub_id)
    bl = t.backorder_line
    n = 0
    for row in rows:
        known = session.execute(
            select(bl.c.hub_id).where(bl.c.backorder_id == row["backorder_id"])
        ).first()
        if known is None:
            session.execute(
                insert(bl).values(
                    **row, hub_id=hub_id, epoch=1, qty_filled=0, status="open", updated_at=now
                )
            )
            owner = hub_id
        else:
            session.execute(
                update(bl)
                .where(bl.c.backorder_id == row["backorder_id"])
                .values(**row, updated_at=now)
            )
            owner = known.hub_id
        emit_line(session, row["backorder_id"], owner, now=now)
        n += 1
    return n


def upsert_catalog(session: Session, items: Iterable[dict[str, Any]], *, now: datetime) -> int:
    c = t.catalog_item
    n = 0
    for item in items:
        exists = session.execute(select(c.c.sku).where(c.c.sku == item["sku"])).first()
        values = {**item, "updated_at": now}
        if exists:
            session.execute(update(c).where(c.c.sku == item["sku"]).values(**values))
        else:
            session.execute(insert(c).values(**values))
        add_change(session, hub_id=None, kind="catalog", key=item["sku"], data=item, now=now)
        n += 1
    return n


def upsert_returns(
    session: Session, rows: Iterable[dict[str, Any]], hub_id: str, *, now: datetime
) -> int:
    _require_hub(session, hub_id)
    r = t.expected_return
    n = 0
    for row in rows:
        key = (r.c.rma == row["rma"], r.c.sku == row["sku"])
        if session.execute(select(r.c.id).where(*key)).first():
            session.execute(update(r).where(*key).values(**row, hub_id=hub_id))
        else:
            session.execute(insert(r).values(**row, hub_id=hub_id))
        data = {
            **row,
            "expected_at": row["expected_at"].isoformat() if row.get("expected_at") else None,
        }
        add_change(
            session,
            hub_id=hub_id,
            kind="expected_return",
            key=f"{row['rma']}/{row['sku']}",
            data=data,
            now=now,
        )
        n += 1
    return n


# --- CSV (the PRODUCT.md formats) -------------------------------------------------------


def _cents(text: str, where: str) -> int:
    if not text.strip():
        return 0
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise AdminError(f"{where}: unit_value {text!r} is not a number") from None
    if value < 0:
        raise AdminError(f"{where}: unit_value must not be negative")
    return int((value * 100).to_integral_value())


def _date(text: str, where: str, *, required: bool) -> datetime | None:
    from datetime import UTC

    s = text.strip()
    if not s:
        if required:
            raise AdminError(f"{where}: a date is required")
        return None
    try:
        d = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise AdminError(f"{where}: {s!r} is not an ISO 8601 date") from None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def _rows(text: str, required: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise AdminError(f"line 1: missing column(s) {', '.join(missing)}")
    for row in reader:
        yield reader.line_num, {k: (v or "") for k, v in row.items() if k is not None}


def _int(text: str, where: str, name: str) -> int:
    try:
        n = int(text.strip())
    except ValueError:
        raise AdminError(f"{where}: {name} {text!r} is not a whole number") from None
    if n < 1:
        raise AdminError(f"{where}: {name} must be at least 1")
    return n


def parse_backorders(text: str) -> list[dict[str, Any]]:
    out = []
    for line, r in _rows(text, ("backorder_id", "order_id", "sku", "qty")):
        where = f"line {line}"
        if not r["backorder_id"].strip() or not r["sku"].strip():
            raise AdminError(f"{where}: backorder_id and sku are required")
        priority = r.get("priority", "").strip() or "normal"
        if priority not in ("normal", "expedite"):
            raise AdminError(f"{where}: priority must be normal or expedite")
        out.append(
            {
                "backorder_id": r["backorder_id"].strip(),
                "order_id": r["order_id"].strip(),
                "sku": r["sku"].strip(),
                "qty": _int(r["qty"], where, "qty"),
                "min_grade": r.get("min_grade", "").strip() or None,
                "priority": priority,
                "ordered_at": _date(r.get("ordered_at", ""), where, required=True),
                "promised_at": _date(r.get("promised_at", ""), where, required=False),
                "unit_value_cents": _cents(r.get("unit_value", ""), where),
                "ship_to_name": r.get("ship_to_name", ""),
                "ship_to_city": r.get("ship_to_city", ""),
                "ship_to_postcode": r.get("ship_to_postcode", ""),
            }
        )
    return out


def parse_catalog(text: str) -> list[dict[str, Any]]:
    items: dict[str, dict[str, Any]] = {}
    for line, r in _rows(text, ("sku", "gtin", "name")):
        where = f"line {line}"
        sku = r["sku"].strip()
        if not sku:
            raise AdminError(f"{where}: sku is required")
        item = items.setdefault(
            sku,
            {
                "sku": sku,
                "name": r.get("name", ""),
                "variant": r.get("variant", ""),
                "unit_value_cents": _cents(r.get("unit_value", ""), where),
                "min_grade": r.get("min_grade", "").strip() or None,
                "gtins": [],
            },
        )
        gtin = r.get("gtin", "").strip()
        if gtin:
            norm = normalize_gtin(gtin)
            if norm is None:
                raise AdminError(f"{where}: gtin {gtin!r} is not a valid GTIN")
            item["gtins"].append(norm)
    return list(items.values())


def parse_returns(text: str) -> list[dict[str, Any]]:
    out = []
    for line, r in _rows(text, ("rma", "sku")):
        where = f"line {line}"
        if not r["rma"].strip() or not r["sku"].strip():
            raise AdminError(f"{where}: rma and sku are required")
        out.append(
            {
                "rma": r["rma"].strip(),
                "sku": r["sku"].strip(),
                "order_id": r.get("order_id", "").strip(),
                "qty": _int(r.get("qty", "") or "1", where, "qty"),
                "customer_name": r.get("customer_name", ""),
                "expected_at": _date(r.get("expected_at", ""), where, required=False),
            }
        )
    return out
