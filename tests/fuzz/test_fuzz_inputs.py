"""Fuzzing the input edges: the CSV importer and the config loader.

Each accepts any bytes and answers with a result or its own clear error, never a crash,
and a rejected import leaves the database exactly as it was.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from floor_app.config import ConfigError, load_settings
from floor_app.services.errors import ServiceError
from floor_app.services.importer import import_file
from floor_app.store.models import BackorderLine, CatalogItem, ExpectedReturn, Gtin

HEADERS = {
    "catalog": "sku,gtin,name,variant,unit_value,min_grade",
    "backorders": "backorder_id,order_id,sku,qty,min_grade,priority,ordered_at,promised_at,"
    "unit_value,ship_to_name,ship_to_city,ship_to_postcode",
    "returns": "rma,order_id,sku,qty,customer_name,expected_at",
}
cell = st.one_of(
    st.sampled_from(
        [
            "",
            "A",
            "B",
            "Z",
            "-1",
            "0",
            "3",
            "12.5",
            "x" * 300,
            "2026-13-40",
            "2026-03-01",
            "2026-03-01T10:00:00+02:00",
            "expedite",
            "normal",
            "SKU-1",
            "4006381333931",
            "4006381333932",
            "RMA-12345",
            '"q,uote"',
            "^XA^FDx^XZ",
            "\x1b[2J",
            "Zoë",
            "=cmd()",
            "\u202e",
        ]
    ),
    st.text(alphabet=string.printable + "éß€\x00\x1d", max_size=20),
)
row = st.lists(cell, min_size=0, max_size=14).map(lambda cells: ",".join(cells))


def counts(db: Any) -> tuple[int, ...]:
    with db.read() as s:
        return tuple(
            s.exec(select(func.count()).select_from(model)).one()
            for model in (CatalogItem, Gtin, BackorderLine, ExpectedReturn)
        )


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(sorted(HEADERS)),
    rows=st.lists(row, max_size=8),
    header=st.booleans(),
    raw=st.binary(max_size=64),
)
def test_importer_never_crashes_nor_half_loads(
    db: Any, settings: Any, tmp_path: Path, kind: str, rows: list[str], header: bool, raw: bytes
) -> None:
    path = tmp_path / f"{kind}.csv"
    body = ((HEADERS[kind] + "\n") if header else "") + "\n".join(rows)
    path.write_bytes(body.encode("utf-8", "surrogatepass") + raw)
    before = counts(db)
    try:
        import_file(db, settings, kind, path)
    except ServiceError as exc:
        assert exc.reason  # a message a person can read
        assert counts(db) == before
        return
    # accepted: importing the same file again changes nothing
    after = counts(db)
    import_file(db, settings, kind, path)
    assert counts(db) == after


toml_value = st.one_of(
    st.integers(-5, 100000),
    st.booleans(),
    st.text(max_size=12).map(repr),
    st.sampled_from(
        [
            '"restock"',
            '"zpl-tcp"',
            '["A","B"]',
            '{ A = "restock" }',
            "1.5",
            '"[unclosed"',
            "nan",
            "2026-01-01",
        ]
    ),
)
toml_line = st.tuples(
    st.sampled_from(
        [
            "id",
            "url",
            "scale",
            "dispositions",
            "policy",
            "kind",
            "dpi",
            "port",
            "token",
            "bogus",
            "interval_seconds",
            "rma_pattern",
            "theme",
        ]
    ),
    toml_value,
).map(lambda kv: f"{kv[0]} = {kv[1]}")
section = st.sampled_from(
    [
        "hub",
        "database",
        "grades",
        "matching",
        "printer",
        "scanner",
        "sync",
        "costs",
        "station",
        "roster",
        "serve",
        "nope",
    ]
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(section, st.lists(toml_line, max_size=4)), max_size=4), st.text(max_size=30)
)
def test_config_loader_answers_settings_or_a_named_error(
    tmp_path: Path, sections: list[tuple[str, list[str]]], junk: str
) -> None:
    text = "\n".join(f"[{name}]\n" + "\n".join(lines) for name, lines in sections)
    for variant in (text, text + "\n" + junk):
        path = tmp_path / "floor.toml"
        path.write_text(variant, encoding="utf-8", errors="surrogatepass")
        try:
            load_settings(path)
        except ConfigError as exc:
            assert str(path) in str(exc)
