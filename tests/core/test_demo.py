"""The demo hub: deterministic from its seed, realistic, and consistent with the tables' rules."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlmodel import SQLModel

from floor_app.cli import main
from floor_app.domain import gtin as gtins
from floor_app.services.demo import SMALL, DemoSize, build_demo
from floor_app.store.engine import Database
from floor_app.store.models import (
    Allocation,
    BackorderLine,
    CatalogItem,
    Decision,
    ExpectedReturn,
    Gtin,
    Label,
    Outbox,
    SyncState,
    Unit,
)

FIXED_NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def unsynced(db: Database) -> Database:
    """These builds need no durability: skip the fsync of each history commit."""

    @event.listens_for(db.engine, "connect")
    def _off(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.execute("PRAGMA synchronous=OFF")

    return db


def dump_all(db: Database) -> dict[str, list[str]]:
    """Every row of every table, as sorted text, so two databases can be compared."""
    out = {}
    with db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = conn.execute(table.select()).all()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


@pytest.fixture(scope="module")
def demo_pair(tmp_path_factory, _migrated_sqlite) -> tuple[Database, Database, Any]:  # type: ignore[no-untyped-def]
    import shutil

    from floor_app.config import Settings

    folder = tmp_path_factory.mktemp("demo")
    dbs = []
    for name in ("one", "two"):
        path = folder / f"{name}.sqlite"
        shutil.copyfile(_migrated_sqlite, path)
        db = unsynced(Database(f"sqlite:///{path}"))
        build_demo(db, Settings(base_dir=folder), seed=7, now=FIXED_NOW, size=SMALL)
        dbs.append(db)
    yield dbs[0], dbs[1], FIXED_NOW
    for db in dbs:
        db.dispose()


def test_same_seed_same_rows(demo_pair) -> None:
    one, two, _ = demo_pair
    a, b = dump_all(one), dump_all(two)
    assert a == b
    assert all(a[t] for t in ("catalog_item", "unit", "decision", "outbox", "audit_log"))


def test_another_seed_gives_other_rows(demo_pair, db, settings, fixed_now) -> None:
    tiny = DemoSize(2, 1, 20, 10, 1, 3, 2)
    build_demo(unsynced(db), settings, seed=8, now=fixed_now, size=tiny)
    assert dump_all(db)["expected_return"] != dump_all(demo_pair[0])["expected_return"]


def test_refuses_a_database_with_data(demo_pair, settings) -> None:
    with pytest.raises(ValueError, match="already has a catalogue"):
        build_demo(demo_pair[0], settings, size=SMALL)


def test_catalogue_is_realistic(demo_pair) -> None:
    db = demo_pair[0]
    with db.read() as s:
        items = s.scalars(select(CatalogItem)).all()
        codes = s.scalars(select(Gtin)).all()
    assert len(items) >= 100
    assert all(gtins.is_valid(g.gtin) and g.gtin.startswith("00614141") for g in codes)
    assert len(codes) > len(items)  # some SKUs have a second GTIN
    names = {i.name for i in items}
    assert "Café Racer Jacket" in names and "Björk Wool Sweater" in names
    assert any(" / EU " in i.variant for i in items) and any(
        i.variant.endswith("/ M") for i in items
    )
    assert any(i.min_grade == "B" for i in items)


def test_returns_and_backorders_look_like_a_hub(demo_pair, settings) -> None:
    db, _, now = demo_pair
    pattern = re.compile(settings.scanner.rma_pattern)
    with db.read() as s:
        returns = s.scalars(select(ExpectedReturn)).all()
        lines = s.scalars(select(BackorderLine)).all()
    assert all(pattern.match(r.rma) for r in returns)
    assert any("'" in r.customer_name for r in returns)
    assert any(not r.customer_name.isascii() for r in returns)
    assert {ln.hub_id for ln in lines} == {settings.hub.id}
    open_lines = [ln for ln in lines if ln.status == "open"]
    assert any(ln.promised_at < now for ln in open_lines)  # overdue
    assert any(ln.promised_at > now for ln in open_lines)
    assert any(ln.priority == "expedite" for ln in open_lines)
    assert any(ln.min_grade == "B" for ln in open_lines)
    assert all(abs(ln.promised_at - now) < timedelta(days=11) for ln in lines)


def test_history_obeys_the_table_rules(demo_pair) -> None:
    db, _, now = demo_pair
    with db.read() as s:
        lines = {ln.backorder_id: ln for ln in s.scalars(select(BackorderLine))}
        live = Counter(
            a.backorder_id
            for a in s.scalars(select(Allocation))
            if a.status in ("reserved", "relabelled")
        )
        units = s.scalars(select(Unit)).all()
        decided = {d.unit_id for d in s.scalars(select(Decision)) if d.undone_at is None}
        labels = s.scalars(select(Label)).all()
        seq = s.scalar(select(func.max(Outbox.seq)))
        pushed = s.get(SyncState, "pushed_seq")
        returns = s.scalars(select(ExpectedReturn)).all()
        received = Counter((u.rma, u.sku) for u in units if u.rma)
    assert live, "some backorder lines were filled during the week"
    for line in lines.values():
        assert line.qty_filled == live[line.backorder_id] <= line.qty
        assert line.status == "open"  # full lines stay open at HQ; qty_filled says full
    statuses = Counter(u.status for u in units)
    assert statuses["received"] > 0 and statuses["relabelled"] > 0 and statuses["disposed"] > 0
    for u in units:
        assert now - timedelta(days=SMALL.history_days) <= u.received_at < now
        if u.status != "received" and u.disposition not in ("hold_unknown", "hold_wrong_item"):
            assert u.unit_id in decided
    assert len({u.received_by for u in units}) >= 2
    assert not [lb for lb in labels if lb.status == "pending"]  # history is not reprinted
    assert pushed is not None and int(pushed.value) == seq  # history is not pushed to HQ
    for r in returns:
        assert r.qty_received <= r.qty
    assert sum(r.qty_received for r in returns) <= sum(received.values())


def test_cli_demo_creates_then_reuses(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "config.toml"
    cfg.write_text("[hub]\nid = 'HUB-DEMO'\n")
    url = f"sqlite:///{tmp_path / 'sub' / 'demo.sqlite'}"
    base = ["demo", "--config", str(cfg), "--db", url, "--no-station", "--size", "small"]
    base += ["--now", "2026-03-02T08:00:00Z", "--json"]
    assert main(base) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["created"] is True and first["open_backorder_lines"] > 0
    assert first["units_by_status"]["received"] > 0
    assert not (tmp_path / "sub" / "demo.sqlite-building").exists()
    assert main(base) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["created"] is False
    assert {k: v for k, v in second.items() if k != "created"} == {
        k: v for k, v in first.items() if k != "created"
    }
    db = Database(url)
    with db.read() as s:
        assert {ln.hub_id for ln in s.scalars(select(BackorderLine))} == {"HUB-DEMO"}
    db.dispose()


def test_cli_demo_refuses_a_database_with_other_data(db, settings, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    with db.write() as s:
        s.add(CatalogItem(sku="REAL-1", name="A real item"))
    args = ["demo", "--db", settings.database_url(), "--no-station", "--size", "small"]
    assert main(args) == 2
    assert "not a finished demo database" in capsys.readouterr().err


def test_cli_demo_bad_now(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    args = ["demo", "--db", f"sqlite:///{tmp_path}/d.sqlite", "--no-station", "--now", "noon"]
    assert main(args) == 2
    assert "--now 'noon'" in capsys.readouterr().err
