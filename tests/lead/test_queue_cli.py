"""``floor queue``: the same queues headless, JSON shape, limits and exit codes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from lead_hubstate import BACKORDER_ORDER, INSPECT_ORDER, NOW, seed

from floor_app.cli import main


@pytest.fixture
def hub_url(db: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    import floor_app.services.context as context

    seed(db)
    monkeypatch.setattr(context, "utcnow", lambda: NOW)
    return settings.database_url()


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_json_has_every_list_and_figure(hub_url: str, capsys: Any) -> None:
    code, snap = run_json(capsys, "queue", "--db", hub_url, "--json")
    assert code == 0
    assert set(snap) >= {"counts", "inspect_next", "awaiting_confirm", "exceptions",
                         "expected", "backorders_at_risk", "kpis", "backorders"}  # fmt: skip
    assert snap["at"] == NOW.isoformat()
    assert snap["counts"] == {
        "pile": 7, "hot": 5, "expected_lines": 3, "expected_units": 3,
        "awaiting_confirm": 2, "exceptions": 3, "backorders_open": 4,
    }  # fmt: skip
    assert [r["unit_id"] for r in snap["inspect_next"]] == INSPECT_ORDER
    assert [r["backorder_id"] for r in snap["backorders_at_risk"]] == BACKORDER_ORDER
    assert snap["backorders"]["value_at_risk_cents"] == 6480
    assert snap["kpis"]["today"]["local_fills"] == 2
    assert snap["kpis"]["last_7_days"]["cost_saved_cents"] == 9000
    assert snap["inspect_next"][0]["received_at"] == "2026-03-02T08:00:00+00:00"


def test_limit_caps_every_list(hub_url: str, capsys: Any) -> None:
    code, snap = run_json(capsys, "queue", "--db", hub_url, "--json", "--limit", "1")
    assert code == 0
    for key in ("inspect_next", "expected", "awaiting_confirm", "exceptions",
                "backorders_at_risk"):  # fmt: skip
        assert len(snap[key]) == 1, key
    assert snap["inspect_next"][0]["unit_id"] == INSPECT_ORDER[0]
    assert snap["counts"]["pile"] == 7  # counts are totals, not capped


def test_text_output_escapes_outside_text(hub_url: str, db: Any, capsys: Any) -> None:
    from floor_app.store.models import ExpectedReturn

    with db.write() as s:
        s.add(ExpectedReturn(rma="RMA-9", order_id="O-9", sku="SKU-A", qty=1,
                             customer_name="Eve\x1b[2J", expected_at=NOW))  # fmt: skip
    assert main(["queue", "--db", hub_url]) == 0
    out = capsys.readouterr().out
    assert "INSPECT NEXT" in out and "U-14" in out and "BACKORDERS AT RISK" in out
    assert "\x1b" not in out and "Eve\\x1b[2J" in out


def test_bad_limit_is_bad_input(hub_url: str, capsys: Any) -> None:
    code, out = run_json(capsys, "queue", "--db", hub_url, "--json", "--limit", "-3")
    assert code == 2 and "limit" in out["error"]


def test_uninitialised_database_is_bad_input(tmp_path: Any, capsys: Any) -> None:
    code, out = run_json(capsys, "queue", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "--json")
    assert code == 2 and "floor init" in out["error"]
