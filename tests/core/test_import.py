"""``floor import``: happy paths, every bad-row kind, idempotence, updates, hostile text."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from floor_app.cli import main
from floor_app.config import PROJECT_ROOT
from floor_app.services.importer import ImportRejected, import_file
from floor_app.store.models import AuditLog, BackorderLine, CatalogItem, ExpectedReturn, Gtin

CATALOG = """\
sku,gtin,name,variant,unit_value,min_grade,ignored_extra
TEE-BLK-M,0614141000012,Café Racer Tee,Black / M,19.99,,x
TEE-BLK-M,00614141000029,Café Racer Tee,Black / M,19.99,,y
BOOT-42,614141000036,Björk Boot,EU 42,129.5,B,
CAP-1,,Cap,One size,5,,
"""
BACKORDERS = """\
backorder_id,order_id,sku,qty,min_grade,priority,ordered_at,promised_at,unit_value,ship_to_name,ship_to_city,ship_to_postcode
BO-1,ORD-1,TEE-BLK-M,2,,expedite,2026-02-20,2026-03-01T10:00:00+01:00,,"O'Brien, Ann",Lyon,69001
BO-2,ORD-2,BOOT-42,1,,normal,2026-02-21T09:30:00,2026-03-05T12:00:00Z,120.00,Zoë Ünal,Köln,50667
BO-3,ORD-3,CAP-1,3,C,,2026-02-22T09:30:00Z,,,,,
"""
RETURNS = """\
rma,order_id,sku,qty,customer_name,expected_at
RMA-0001,ORD-9,TEE-BLK-M,1,"D'Arcy, Siân",2026-03-02
RMA-0001,ORD-9,BOOT-42,2,"D'Arcy, Siân",2026-03-02
RMA0002,,CAP-1,1,José,
"""


def write(tmp_path: Path, text: str, name: str = "data.csv", **kw: Any) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(kw.get("encoding", "utf-8")))
    return path


def load(db, settings, tmp_path: Path, kind: str, text: str, now=None):  # type: ignore[no-untyped-def]
    return import_file(db, settings, kind, write(tmp_path, text, f"{kind}.csv"), now=now)


def rejected(db, settings, tmp_path: Path, kind: str, text: str) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportRejected) as info:
        load(db, settings, tmp_path, kind, text)
    return [(b.line, b.message) for b in info.value.bad_rows]


def dump(db) -> dict[str, list[tuple[Any, ...]]]:  # type: ignore[no-untyped-def]
    out = {}
    with db.read() as s:
        for model in (CatalogItem, Gtin, BackorderLine, ExpectedReturn):
            rows = s.scalars(select(model)).all()
            out[model.__tablename__] = sorted(repr(r.model_dump()) for r in rows)
    return out


@pytest.fixture
def stocked(db, settings, tmp_path, fixed_now):  # type: ignore[no-untyped-def]
    load(db, settings, tmp_path, "catalog", CATALOG, fixed_now)
    return db


# --- happy paths --------------------------------------------------------------------------


def test_catalog_rows_sharing_a_sku_become_one_item_with_several_gtins(
    db, settings, tmp_path, fixed_now
) -> None:
    summary = load(db, settings, tmp_path, "catalog", CATALOG, fixed_now)
    assert (summary.rows, summary.inserted, summary.gtins_inserted) == (4, 3, 3)
    with db.read() as s:
        tee = s.get(CatalogItem, "TEE-BLK-M")
        assert (tee.name, tee.variant, tee.unit_value_cents) == (
            "Café Racer Tee",
            "Black / M",
            1999,
        )
        assert tee.min_grade is None and tee.updated_at == fixed_now
        assert s.get(CatalogItem, "BOOT-42").unit_value_cents == 12950
        assert s.get(CatalogItem, "BOOT-42").min_grade == "B"
        gtins = dict(s.execute(select(Gtin.gtin, Gtin.sku)).all())
    assert gtins == {
        "00614141000012": "TEE-BLK-M",
        "00614141000029": "TEE-BLK-M",
        "00614141000036": "BOOT-42",
    }


def test_backorders_get_this_hub_epoch_one_and_resolved_grades(
    stocked, settings, tmp_path, fixed_now
) -> None:
    settings.hub.id = "HUB-LYON"
    summary = load(stocked, settings, tmp_path, "backorders", BACKORDERS, fixed_now)
    assert (summary.inserted, summary.updated, summary.unchanged) == (3, 0, 0)
    with stocked.read() as s:
        b1, b2, b3 = (s.get(BackorderLine, f"BO-{i}") for i in (1, 2, 3))
    assert {b.hub_id for b in (b1, b2, b3)} == {"HUB-LYON"}
    assert {(b.epoch, b.status, b.qty_filled) for b in (b1, b2, b3)} == {(1, "open", 0)}
    assert (b1.min_grade, b2.min_grade, b3.min_grade) == ("A", "B", "C")  # default, SKU, line
    assert (b1.priority, b2.priority, b3.priority) == ("expedite", "normal", "normal")
    assert b1.unit_value_cents == 1999 and b2.unit_value_cents == 12000  # SKU value / own
    assert b1.ordered_at == datetime(2026, 2, 20, tzinfo=UTC)
    assert b1.promised_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # +01:00 -> UTC
    assert b2.ordered_at == datetime(2026, 2, 21, 9, 30, tzinfo=UTC)  # naive means UTC
    assert b3.promised_at is None
    assert (b1.ship_to_name, b2.ship_to_city) == ("O'Brien, Ann", "Köln")


def test_default_min_grade_comes_from_config(stocked, settings, tmp_path) -> None:
    settings.matching.default_min_grade = "B"
    load(stocked, settings, tmp_path, "backorders", BACKORDERS)
    with stocked.read() as s:
        assert s.get(BackorderLine, "BO-1").min_grade == "B"


def test_returns_are_rma_sku_lines(stocked, settings, tmp_path) -> None:
    summary = load(stocked, settings, tmp_path, "returns", RETURNS)
    assert summary.inserted == 3
    with stocked.read() as s:
        rows = s.scalars(select(ExpectedReturn).order_by(ExpectedReturn.rma, ExpectedReturn.sku))
        got = [(r.rma, r.sku, r.qty, r.qty_received, r.customer_name, r.expected_at) for r in rows]
    assert got == [
        ("RMA-0001", "BOOT-42", 2, 0, "D'Arcy, Siân", datetime(2026, 3, 2, tzinfo=UTC)),
        ("RMA-0001", "TEE-BLK-M", 1, 0, "D'Arcy, Siân", datetime(2026, 3, 2, tzinfo=UTC)),
        ("RMA0002", "CAP-1", 1, 0, "José", None),
    ]


def test_each_import_writes_one_audit_row(stocked, settings, tmp_path) -> None:
    load(stocked, settings, tmp_path, "returns", RETURNS)
    load(stocked, settings, tmp_path, "returns", RETURNS)
    with stocked.read() as s:
        rows = s.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(r.action, r.entity, r.entity_id) for r in rows] == [
        ("import", "catalog", "catalog.csv"),
        ("import", "returns", "returns.csv"),
        ("import", "returns", "returns.csv"),
    ]
    assert rows[1].detail["inserted"] == 3 and rows[2].detail["unchanged"] == 3
    assert len(rows[1].detail["sha256"]) == 64


# --- idempotence and updates -----------------------------------------------------------------


@pytest.mark.parametrize(("kind", "text"), [("backorders", BACKORDERS), ("returns", RETURNS)])
def test_reimporting_the_same_file_changes_nothing(stocked, settings, tmp_path, kind, text) -> None:
    load(stocked, settings, tmp_path, kind, text)
    before = dump(stocked)
    again = load(stocked, settings, tmp_path, kind, text, datetime(2030, 1, 1, tzinfo=UTC))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert dump(stocked) == before


def test_reimporting_the_catalog_changes_nothing(stocked, settings, tmp_path) -> None:
    before = dump(stocked)
    again = load(stocked, settings, tmp_path, "catalog", CATALOG, datetime(2030, 1, 1, tzinfo=UTC))
    assert (again.inserted, again.updated, again.unchanged, again.gtins_inserted) == (0, 0, 3, 0)
    assert dump(stocked) == before


def test_changed_values_are_updated_and_qty_filled_is_kept(stocked, settings, tmp_path) -> None:
    load(stocked, settings, tmp_path, "backorders", BACKORDERS)
    with stocked.write() as s:
        s.get(BackorderLine, "BO-1").qty_filled = 1
    changed = BACKORDERS.replace("BO-1,ORD-1,TEE-BLK-M,2,", "BO-1,ORD-1,TEE-BLK-M,1,")
    changed = changed.replace("Zoë Ünal", "Zoë Ünal-Smith")
    summary = load(stocked, settings, tmp_path, "backorders", changed)
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 2, 1)
    with stocked.read() as s:
        b1, b2 = s.get(BackorderLine, "BO-1"), s.get(BackorderLine, "BO-2")
    assert (b1.qty, b1.qty_filled, b1.status) == (1, 1, "open")  # full, still HQ-open
    assert b2.ship_to_name == "Zoë Ünal-Smith"


def test_lowering_qty_below_filled_is_a_bad_row(stocked, settings, tmp_path) -> None:
    load(stocked, settings, tmp_path, "backorders", BACKORDERS)
    with stocked.write() as s:
        s.get(BackorderLine, "BO-3").qty_filled = 2
    before = dump(stocked)
    lowered = BACKORDERS.replace("BO-3,ORD-3,CAP-1,3,", "BO-3,ORD-3,CAP-1,1,")
    lowered = lowered.replace("Lyon", "Paris")  # a valid change on another line is not applied
    bad = rejected(stocked, settings, tmp_path, "backorders", lowered)
    assert len(bad) == 1 and bad[0][0] == 4 and "below the 2 unit(s)" in bad[0][1]
    assert dump(stocked) == before


def test_catalog_update_changes_value(stocked, settings, tmp_path) -> None:
    summary = load(stocked, settings, tmp_path, "catalog", CATALOG.replace("129.5", "99.00"))
    assert (summary.updated, summary.unchanged) == (1, 2)
    with stocked.read() as s:
        assert s.get(CatalogItem, "BOOT-42").unit_value_cents == 9900


# --- bad rows ------------------------------------------------------------------------------

BO_HEADER = BACKORDERS.splitlines()[0]
GOOD_BO = "BO-9,ORD-9,TEE-BLK-M,1,,normal,2026-02-20,,,,,"


@pytest.mark.parametrize(
    ("kind", "row", "needle"),
    [
        ("backorders", "BO-9,ORD-9,NOPE,1,,normal,2026-02-20,,,,,", "unknown sku 'NOPE'"),
        ("backorders", "BO-9,ORD-9,TEE-BLK-M,-1,,normal,2026-02-20,,,,,", "qty -1"),
        ("backorders", "BO-9,ORD-9,TEE-BLK-M,0,,normal,2026-02-20,,,,,", "qty 0"),
        ("backorders", "BO-9,ORD-9,TEE-BLK-M,1.5,,normal,2026-02-20,,,,,", "not a whole number"),
        ("backorders", "BO-9,ORD-9,TEE-BLK-M,1,,normal,20/02/2026,,,,,", "ordered_at"),
        ("backorders", "BO-9,ORD-9,TEE-BLK-M,1,,normal,2026-02-20,soon,,,,", "promised_at"),
        ("backorders", "BO-9,ORD-9,TEE-BLK-M,1,,urgent,2026-02-20,,,,,", "priority 'urgent'"),
        ("backorders", "BO-9,ORD-9,TEE-BLK-M,1,Z,normal,2026-02-20,,,,,", "min_grade 'Z'"),
        ("backorders", "BO-9,ORD-9,TEE-BLK-M,1,,normal,2026-02-20,,12.345,,,", "unit_value"),
        ("backorders", "BO-9,ORD-9,TEE-BLK-M,1,,normal,2026-02-20,,-3,,,", "unit_value"),
        ("backorders", "BO-9,,TEE-BLK-M,1,,normal,2026-02-20,,,,,", "order_id is empty"),
        ("backorders", "BO-9,ORD-9,TEE-BLK-M,,,normal,2026-02-20,,,,,", "qty is empty"),
        ("backorders", "BO-9,ORD 9,TEE-BLK-M,1,,normal,2026-02-20,,,,,", "contains a space"),
        ("backorders", "BO-9,ORD-9", "sku is empty"),  # a short row: missing values
        ("returns", "RMA-0009,,NOPE,1,x,", "unknown sku 'NOPE'"),
        ("returns", "RMA-0009,,CAP-1,two,x,", "not a whole number"),
        ("returns", "RMA-0009,,CAP-1,1,x,tomorrow", "expected_at"),
        ("returns", "BOX-0009,,CAP-1,1,x,", "rma_pattern"),
        ("catalog", "NEW-1,0614141000013,New,,1,,", "bad check digit"),
        ("catalog", "NEW-1,12345,New,,1,,", "not 8, 12, 13 or 14 digits"),
        ("catalog", "NEW-1,0614141000012,New,,1,,", "already belongs to sku 'TEE-BLK-M'"),
        ("catalog", "NEW-1,,,,1,,", "name is empty"),
        ("catalog", "NEW-1,,New,,1,Q,", "min_grade 'Q'"),
    ],
)  # fmt: skip
def test_a_bad_row_rejects_the_whole_file(stocked, settings, tmp_path, kind, row, needle) -> None:
    header = {"catalog": CATALOG, "backorders": BACKORDERS, "returns": RETURNS}[kind]
    good = {
        "catalog": "NEW-{n},,Good,,1,,",
        "backorders": "BO-1{n},ORD-9,TEE-BLK-M,1,,normal,2026-02-20,,,,,",
        "returns": "RMA-000{n},,CAP-1,1,x,",
    }[kind]
    lines = [header.splitlines()[0], good.format(n=7), row, good.format(n=8)]
    text = "\n".join(lines) + "\n"
    before = dump(stocked)
    bad = rejected(stocked, settings, tmp_path, kind, text)
    assert len(bad) == 1, bad
    assert bad[0][0] == 3 and needle in bad[0][1]
    assert dump(stocked) == before


def test_every_bad_row_is_reported_with_its_physical_line(stocked, settings, tmp_path) -> None:
    text = "\r\n".join(
        [
            BO_HEADER,
            GOOD_BO,
            'BO-10,ORD-10,TEE-BLK-M,1,,normal,2026-02-20,,,"two\nline name",Lyon,',  # lines 3-4
            "BO-11,ORD-11,NOPE,1,,normal,2026-02-20,,,,,",  # line 5
            "",  # a blank line is skipped but still counted
            GOOD_BO,  # line 7: duplicate id
            "BO-12,ORD-12,TEE-BLK-M,x,,normal,2026-02-20,,,,,",  # line 8
        ]
    )
    bad = rejected(stocked, settings, tmp_path, "backorders", text + "\r\n")
    assert [line for line, _ in bad] == [5, 7, 8]
    assert "duplicate backorder_id 'BO-9': already on line 2" in bad[1][1]


def test_missing_column_is_reported_on_the_header_line(stocked, settings, tmp_path) -> None:
    text = BACKORDERS.replace("ordered_at,", "ordered,")
    bad = rejected(stocked, settings, tmp_path, "backorders", text)
    assert len(bad) == 1 and bad[0][0] == 1 and "missing column: ordered_at" in bad[0][1]


def test_a_row_with_several_problems_lists_them_all(stocked, settings, tmp_path) -> None:
    text = BO_HEADER + "\nBO-9,ORD-9,TEE-BLK-M,-2,Z,soon,yesterday,,,,,\n"
    [(line, message)] = rejected(stocked, settings, tmp_path, "backorders", text)
    assert line == 2
    for needle in ("qty -2", "min_grade 'Z'", "priority 'soon'", "ordered_at 'yesterday'"):
        assert needle in message


def test_duplicates_within_a_file(stocked, settings, tmp_path) -> None:
    ret = RETURNS + "RMA-0001,ORD-9,BOOT-42,1,x,\n"
    assert rejected(stocked, settings, tmp_path, "returns", ret)[0][0] == 5
    cat = CATALOG + "OTHER,614141000036,Other,,1,,\n"
    [(line, message)] = rejected(stocked, settings, tmp_path, "catalog", cat)
    assert line == 6 and "duplicate gtin '00614141000036': already on line 4" in message
    clash = CATALOG + "TEE-BLK-M,,Another name,Black / M,19.99,,\n"
    [(line, message)] = rejected(stocked, settings, tmp_path, "catalog", clash)
    assert line == 6 and "different name" in message


def test_not_utf8_names_the_lines(stocked, settings, tmp_path) -> None:
    text = RETURNS.replace("José", "Jos\xe9")
    path = write(tmp_path, text, "latin1.csv", encoding="latin-1")
    with pytest.raises(ImportRejected) as info:
        import_file(stocked, settings, "returns", path)
    assert [b.line for b in info.value.bad_rows] == [2, 3, 4]
    assert all("not UTF-8" in b.message for b in info.value.bad_rows)


def test_unterminated_quote_is_reported_where_it_starts(stocked, settings, tmp_path) -> None:
    text = 'rma,sku,qty,customer_name\nRMA-0001,CAP-1,1,Ann\nRMA-0002,CAP-1,1,"Bob\n'
    [(line, message)] = rejected(stocked, settings, tmp_path, "returns", text)
    assert line == 3 and "malformed CSV" in message


def test_extra_columns_are_ignored_even_when_repeated(stocked, settings, tmp_path) -> None:
    text = "note,rma,sku,qty,note\nx,RMA-0001,CAP-1,1,y\n"
    assert load(stocked, settings, tmp_path, "returns", text).inserted == 1
    bad = rejected(stocked, settings, tmp_path, "returns", "rma,sku,qty,sku\n")
    assert bad[0][0] == 1 and "duplicate column: sku" in bad[0][1]


def test_empty_file(stocked, settings, tmp_path) -> None:
    assert rejected(stocked, settings, tmp_path, "returns", "")[0] == (
        1,
        "the file is empty: no header row",
    )


# --- hostile text ---------------------------------------------------------------------------


def test_hostile_but_printable_text_is_kept_verbatim(stocked, settings, tmp_path) -> None:
    names = ['"Quoted", with comma', "^XA^FO50,50^FDpwn^FS^XZ", "[bold red]boom[/]", "🙂 Ünïcödé"]
    rows = [
        f'RMA-{i:04d},,CAP-1,1,"{n.replace(chr(34), chr(34) * 2)}",' for i, n in enumerate(names)
    ]
    load(stocked, settings, tmp_path, "returns", "rma,order_id,sku,qty,customer_name,expected_at\n"
         + "\n".join(rows) + "\n")  # fmt: skip
    with stocked.read() as s:
        got = s.scalars(select(ExpectedReturn.customer_name).order_by(ExpectedReturn.rma)).all()
    assert got == names


def test_line_breaks_inside_a_field_become_one_space(stocked, settings, tmp_path) -> None:
    text = 'rma,sku,qty,customer_name\nRMA-0001,CAP-1,1,"Ann\r\n\tLee"\n'
    load(stocked, settings, tmp_path, "returns", text)
    with stocked.read() as s:
        assert s.scalars(select(ExpectedReturn.customer_name)).one() == "Ann Lee"


@pytest.mark.parametrize(
    ("value", "needle"),
    [("\x1b[2Jgone", "U+001B"), ("nul\x00byte", "U+0000"), ("x" * 10_240, "10240 characters")],
)
def test_control_characters_and_huge_fields_are_bad_rows(
    stocked, settings, tmp_path, value, needle
) -> None:
    text = f'rma,sku,qty,customer_name\nRMA-0001,CAP-1,1,"{value}"\n'
    [(line, message)] = rejected(stocked, settings, tmp_path, "returns", text)
    assert line == 2 and needle in message


def test_bom_and_crlf(stocked, settings, tmp_path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + RETURNS.replace("\n", "\r\n").encode())
    assert import_file(stocked, settings, "returns", path).inserted == 3
    with stocked.read() as s:
        assert s.scalar(select(func.count()).select_from(ExpectedReturn)) == 3
        assert "\r" not in "".join(s.scalars(select(ExpectedReturn.customer_name)).all())


# --- the CLI ---------------------------------------------------------------------------------


@pytest.fixture
def cli_args(settings, tmp_path):  # type: ignore[no-untyped-def]
    cfg = tmp_path / "empty.toml"
    cfg.write_text("")
    return ["--config", str(cfg), "--db", settings.database_url()]


def test_cli_import_summary_and_json(db, tmp_path, cli_args, capsys) -> None:
    path = write(tmp_path, CATALOG, "cat.csv")
    assert main(["import", "catalog", str(path), *cli_args]) == 0
    assert "3 inserted, 0 updated, 0 unchanged, 3 new GTINs" in capsys.readouterr().out
    assert main(["import", "catalog", str(path), "--json", *cli_args]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"kind": "catalog", "file": str(path), "rows": 4, "inserted": 0,
                   "updated": 0, "unchanged": 3, "gtins_inserted": 0}  # fmt: skip


def test_cli_bad_rows_exit_2_with_every_line(db, tmp_path, cli_args, capsys) -> None:
    main(["import", "catalog", str(write(tmp_path, CATALOG, "cat.csv")), *cli_args])
    capsys.readouterr()
    path = write(
        tmp_path, BACKORDERS + "BO-4,O,NOPE,1,,,2026-01-01,,,,,\nBO-5,O,CAP-1,0,,,x,,,,,\n"
    )
    assert main(["import", "backorders", str(path), "--json", *cli_args]) == 2
    captured = capsys.readouterr()
    assert f"{path}:5: unknown sku 'NOPE'" in captured.err
    assert f"{path}:6: qty 0" in captured.err
    out = json.loads(captured.out)
    assert "error" in out and [b["line"] for b in out["bad_rows"]] == [5, 6]


def test_cli_escapes_hostile_text_in_messages(db, tmp_path, cli_args, capsys) -> None:
    path = write(tmp_path, 'rma,sku,qty\nRMA-0001,"\x1b[2J",1\n', "evil\x1b[2J.csv")
    assert main(["import", "returns", str(path), *cli_args]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "evil\\x1b[2J.csv:2: sku contains control character U+001B" in err


def test_cli_missing_file_and_uninitialised_db(db, tmp_path, cli_args, capsys) -> None:
    assert main(["import", "returns", str(tmp_path / "none.csv"), *cli_args]) == 2
    assert "cannot read the file" in capsys.readouterr().err
    fresh = ["--config", cli_args[1], "--db", f"sqlite:///{tmp_path}/fresh.sqlite"]
    assert main(["import", "returns", str(write(tmp_path, RETURNS)), *fresh]) == 2
    assert "floor init" in capsys.readouterr().err


def test_real_floor_executable(tmp_path: Path) -> None:
    floor = PROJECT_ROOT / ".venv" / "bin" / "floor"
    exe = [str(floor)] if floor.exists() else [sys.executable, "-m", "floor_app"]
    cfg = tmp_path / "config.toml"
    cfg.write_text("[hub]\nid = 'HUB-X'\n[database]\nurl = 'sqlite:///hub.sqlite'\n")
    env = {"PATH": "/usr/bin:/bin", "FLOOR_CONFIG": str(cfg)}

    def floor_cmd(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*exe, *args], capture_output=True, text=True, env=env, timeout=60)

    first = floor_cmd("init")
    assert first.returncode == 0 and "created at revision" in first.stdout
    assert "already at revision" in floor_cmd("init").stdout
    assert (tmp_path / "hub.sqlite").exists()  # relative to the config file's folder
    ok = floor_cmd("import", "catalog", str(write(tmp_path, CATALOG, "c.csv")), "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["inserted"] == 3
    bad = floor_cmd("import", "returns", str(write(tmp_path, "rma,sku\n", "r.csv")), "--json")
    assert (
        bad.returncode == 2
        and "missing column: qty" in json.loads(bad.stdout)["error"] + bad.stderr
    )
