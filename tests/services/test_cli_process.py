"""`floor process`, `floor confirm`, `floor void`: the CLI contract (JSON, exit codes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from floor_app.cli import main
from floor_app.domain.gtin import check_digit
from floor_app.store.models import BackorderLine, CatalogItem, Gtin

GTIN = "061414100001" + str(check_digit("061414100001"))
CONTRACT = {
    "unit_id": str,
    "sku": (str, type(None)),
    "grade": str,
    "decision": str,
    "backorder_id": (str, type(None)),
    "order_id": (str, type(None)),
    "allocation_id": (str, type(None)),
    "label_id": (str, type(None)),
    "reason": (str, type(None)),
}
DECISIONS = {
    "fill_backorder",
    "restock",
    "restock_open_box",
    "send_to_dc",
    "refurbish",
    "liquidate",
    "recycle",
    "hold_unknown",
    "hold_wrong_item",
}


@pytest.fixture
def hub(tmp_path: Path, db: Any, settings: Any, fixed_now: Any) -> list[str]:
    with db.write() as s:
        s.add(
            CatalogItem(
                sku="TEE-M", name="Tee\x1b[2J [bold]x[/]", variant="M", unit_value_cents=2500
            )
        )
        s.flush()
        s.add(Gtin(gtin=GTIN.rjust(14, "0"), sku="TEE-M"))
        s.add(
            BackorderLine(
                backorder_id="BO-1",
                order_id="O-1",
                sku="TEE-M",
                hub_id=settings.hub.id,
                qty=1,
                ordered_at=fixed_now,
                ship_to_city="Gent",
            )
        )
    cfg = tmp_path / "floor.toml"
    cfg.write_text(
        f'[hub]\nid = "{settings.hub.id}"\n[printer]\nkind = "file"\n'
        f'address = "{tmp_path / "spool"}"\n[roster]\nleads = ["L1"]\n'
    )
    return ["--config", str(cfg), "--db", settings.database_url()]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def check_contract(obj: dict[str, Any]) -> None:
    for key, kind in CONTRACT.items():
        assert key in obj, key
        assert isinstance(obj[key], kind), (key, obj[key])
    assert obj["decision"] in DECISIONS


def test_process_json_fill_then_confirm_then_void(capsys: Any, hub: list[str]) -> None:
    code, out, _ = run(capsys, "process", GTIN, "--grade", "A", "--operator", "W7", "--json", *hub)
    assert code == 0
    d = json.loads(out)
    check_contract(d)
    assert d["decision"] == "fill_backorder" and d["backorder_id"] == "BO-1"
    code, out, _ = run(capsys, "confirm", d["label_id"], "--operator", "W7", "--json", *hub)
    assert code == 0 and json.loads(out)["status"] == "confirmed"
    code, out, err = run(
        capsys, "void", d["allocation_id"], "--reason", "wrong size", "--operator", "W7", *hub
    )
    assert code == 2 and "lead" in err
    code, out, _ = run(
        capsys,
        "void",
        d["allocation_id"],
        "--reason",
        "wrong size",
        "--operator",
        "L1",
        "--json",
        *hub,
    )
    assert code == 0 and json.loads(out)["backorder_id"] == "BO-1"


def test_process_text_output_escapes_outside_text(capsys: Any, hub: list[str]) -> None:
    code, out, _ = run(capsys, "process", GTIN, "--grade", "C", "--operator", "W7", *hub)
    assert code == 0 and "SEND TO DC" in out and "\x1b" not in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (
            [
                "process",
                GTIN[:-1] + "0" if GTIN[-1] != "0" else GTIN[:-1] + "1",
                "--grade",
                "A",
                "--operator",
                "W7",
            ],
            "check digit",
        ),
        (["process", GTIN, "--grade", "Q", "--operator", "W7"], "unknown grade"),
        (["process", GTIN, "--grade", "A"], "--operator"),
        (["process", "--grade", "A", "--operator", "W7"], "CODE"),
        (["confirm", "LBL-0000000000000000", "--operator", "W7"], "no label"),
        (["void", "A-NOPE", "--reason", "x", "--operator", "L1"], "no allocation"),
    ],
)
def test_bad_input_exits_2_with_json_error(
    capsys: Any, hub: list[str], argv: list[str], needle: str
) -> None:
    code, out, err = run(capsys, *argv, "--json", *hub)
    assert code == 2
    assert needle in err
    assert needle in json.loads(out.strip().splitlines()[-1])["error"]


def test_uninitialised_database_is_refused(capsys: Any, tmp_path: Path) -> None:
    code, _out, err = run(
        capsys,
        "process",
        GTIN,
        "--grade",
        "A",
        "--operator",
        "W7",
        "--db",
        f"sqlite:///{tmp_path / 'empty.sqlite'}",
        "--json",
    )
    assert code == 2 and "floor init" in err


def test_batch_one_line_each_and_bad_lines_reported(
    capsys: Any, hub: list[str], tmp_path: Path
) -> None:
    batch = tmp_path / "units.jsonl"
    batch.write_text(
        "\n".join(
            [
                json.dumps({"codes": [GTIN], "grade": "A", "operator": "W7"}),
                "{not json",
                json.dumps({"codes": [GTIN], "grade": "B", "operator": "W7"}),
                json.dumps({"codes": [], "grade": "B", "operator": "W7"}),
                json.dumps({"codes": ["RMA-NOPE99"], "grade": "B", "operator": "W7"}),
            ]
        )
        + "\n"
    )
    code, out, err = run(capsys, "process", "--batch", str(batch), "--json", *hub)
    lines = [json.loads(x) for x in out.strip().splitlines()]
    assert code == 2
    assert len(lines) == 5
    check_contract(lines[0])
    assert lines[0]["decision"] == "fill_backorder"
    assert lines[1]["line"] == 2 and "JSON" in lines[1]["error"]
    assert lines[2]["decision"] == "restock_open_box"
    assert lines[3]["line"] == 4
    assert lines[4]["decision"] == "hold_unknown" and "RMA-NOPE99" in lines[4]["reason"]
    assert ":2:" in err and ":4:" in err


def test_real_console_script(hub: list[str]) -> None:
    exe = Path(sys.executable).parent / "floor"
    assert exe.exists(), f"{exe} missing: install the project with `make setup`"
    proc = subprocess.run(
        [str(exe), "process", GTIN, "--grade", "D", "--operator", "W7", "--json", *hub],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["decision"] == "refurbish"
    helped = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    for name in ("process", "confirm", "void"):
        assert name in helped.stdout


def test_common_options_work_before_and_after_the_subcommand(capsys: Any,
                                                            hub: list[str]) -> None:
    code, out, err = run(capsys, *hub, "process", GTIN, "--grade", "C", "--operator", "W7",
                         "--json")
    assert code == 0, err
    assert json.loads(out)["decision"] == "send_to_dc"
