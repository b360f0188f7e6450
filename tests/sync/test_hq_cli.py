"""`floor hq` admin commands: hubs and tokens, CSV imports (all or nothing), cancel,
reassign (epoch bump), status."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from floor_app.cli import main
from floor_app.store.engine import Database
from floor_app.sync.hq import tables as t
from floor_app.sync.hq.admin import hash_token

BACKORDERS = """\
backorder_id,order_id,sku,qty,min_grade,priority,ordered_at,promised_at,unit_value,ship_to_name,ship_to_city,ship_to_postcode
BO-1,ORD-1,TEE-M,2,,expedite,2026-02-20,2026-03-01T10:00:00+01:00,19.99,"O'Brien, Ann",Lyon,69001
BO-2,ORD-2,BOOT-42,1,B,normal,2026-02-21T09:30:00Z,,120.00,Zoë,Köln,50667
"""


def hq(url: str, *argv: str) -> int:
    return main(["hq", argv[0], "--hq-db", url, *argv[1:]])


def test_admin_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'hq.sqlite'}"
    token_file = tmp_path / "hub-a.token"
    assert hq(url, "init") == 0
    assert hq(url, "add-hub", "HUB-A", "--token-file", str(token_file)) == 0
    assert hq(url, "add-hub", "HUB-B", "--token-file", str(tmp_path / "hub-b.token")) == 0
    token = token_file.read_text().strip()
    assert len(token) >= 40 and stat.S_IMODE(token_file.stat().st_mode) == 0o600
    csv = tmp_path / "bo.csv"
    csv.write_text(BACKORDERS, encoding="utf-8")
    assert hq(url, "import-backorders", str(csv), "--hub", "HUB-A") == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(BACKORDERS + "BO-3,ORD-3,CAP,zero,,,2026-02-22,,,,,\n", encoding="utf-8")
    assert hq(url, "import-backorders", str(bad), "--hub", "HUB-A") == 2
    assert "line 4" in capsys.readouterr().err
    assert hq(url, "import-backorders", str(csv), "--hub", "HUB-NOPE") == 2
    assert hq(url, "reassign", "BO-1", "--to", "HUB-B") == 0
    assert hq(url, "cancel", "BO-2") == 0
    assert hq(url, "cancel", "BO-404") == 2
    assert hq(url, "status") == 0
    out = capsys.readouterr().out
    assert "HUB-B: last seq 0" in out and "epoch 2" in out
    db = Database(url)
    try:
        with db.read() as s:
            rows = {r.backorder_id: r for r in s.execute(select(t.backorder_line))}
            hub_a = s.execute(select(t.hub).where(t.hub.c.hub_id == "HUB-A")).one()
            changes = s.scalar(select(func.count()).select_from(t.change))
        assert set(rows) == {"BO-1", "BO-2"}  # BO-3's file was refused whole
        assert (rows["BO-1"].hub_id, rows["BO-1"].epoch) == ("HUB-B", 2)
        assert rows["BO-2"].status == "cancelled" and rows["BO-1"].unit_value_cents == 1999
        assert hub_a.token_hash == hash_token(token)
        # import (2) + reassign (old owner, new owner) + cancel (1)
        assert changes == 5
    finally:
        db.dispose()
