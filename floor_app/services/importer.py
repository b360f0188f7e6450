"""Loading the catalogue, backorder lines and expected returns from CSV files.

A file is checked whole before anything is written: any bad row rejects the file, and
every bad row is reported with its physical line number (the header is line 1; a quoted
field spanning lines counts them all). A good file is written in one write transaction,
as an upsert by id, so loading the same file twice changes nothing.

Text fields: tabs and line breaks inside a field become one space; any other control
character (ESC, NUL...) makes the row bad, because such text would reach terminals and
printers. Printable text (quotes, ``^XA``, ``[bold]``, emoji) is kept: each renderer
escapes it for its medium. A field longer than its column is a bad row, not truncated.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from floor_app.config import Settings
from floor_app.domain import gtin as gtins
from floor_app.services.errors import ServiceError
from floor_app.store.engine import Database
from floor_app.store.models import AuditLog, BackorderLine, CatalogItem, ExpectedReturn, Gtin

KINDS = ("catalog", "backorders", "returns")
COLUMNS: dict[str, tuple[str, ...]] = {
    "catalog": ("sku", "gtin", "name", "variant", "unit_value", "min_grade"),
    "backorders": (
        "backorder_id", "order_id", "sku", "qty", "min_grade", "priority", "ordered_at",
        "promised_at", "unit_value", "ship_to_name", "ship_to_city", "ship_to_postcode",
    ),
    "returns": ("rma", "order_id", "sku", "qty", "customer_name", "expected_at"),
}  # fmt: skip
REQUIRED: dict[str, frozenset[str]] = {
    "catalog": frozenset({"sku", "name"}),
    "backorders": frozenset({"backorder_id", "order_id", "sku", "qty", "ordered_at"}),
    "returns": frozenset({"rma", "sku", "qty"}),
}
# Longest text per column: the table's own limit (ids 64, names 500...).
MAX_LEN = {
    "sku": 64, "gtin": 14, "name": 500, "variant": 200, "backorder_id": 64, "order_id": 64,
    "ship_to_name": 500, "ship_to_city": 200, "ship_to_postcode": 32, "rma": 64,
    "customer_name": 500,
}  # fmt: skip
MAX_QTY = 1_000_000
MAX_CENTS = 10**11  # a billion in currency units: anything above is a typo
PRIORITIES = ("normal", "expedite")
_CHUNK = 500  # ids per IN (...) query: well under SQLite's variable limit
_FOLD = re.compile(r"[\t\r\n]+")
_SPACE = re.compile(r"\s")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class BadRow:
    line: int
    message: str


class ImportRejected(ServiceError):
    """The file has bad rows; nothing was written."""

    def __init__(self, path: str, bad_rows: Sequence[BadRow]) -> None:
        n = len(bad_rows)
        super().__init__(f"{path}: {n} bad row{'s' if n != 1 else ''}; nothing was imported")
        self.path = path
        self.bad_rows = list(bad_rows)


@dataclass(frozen=True)
class ImportSummary:
    kind: str
    file: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    gtins_inserted: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("extra")
        d.update(self.extra)
        return d


class _RowError(Exception):
    pass


# --- reading ------------------------------------------------------------------------------


def _decode(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    bad = []
    for n, raw in enumerate(data.split(b"\n"), start=1):
        try:
            raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            bad.append(
                BadRow(n, f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})")
            )
        # A multi-byte character is never split by b"\n", so each line decodes alone.
    raise ImportRejected(path, bad)


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, fields) of each non-blank CSV record."""
    lines = iter(text.splitlines(keepends=True))
    reader = csv.reader(lines, strict=True)
    last = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _RowError(f"{last + 1}\0malformed CSV: {exc}") from None
        start, last = last + 1, reader.line_num
        if fields and any(f.strip() for f in fields):
            yield start, fields


def _text(value: str, column: str) -> str:
    limit = MAX_LEN.get(column)
    if value.isprintable() and (limit is None or len(value) <= limit):
        return value.strip()  # the common case, without the regexes below
    value = _FOLD.sub(" ", value).strip()
    m = _CONTROL.search(value)
    if m:
        raise _RowError(f"{column} contains control character U+{ord(m.group()):04X}")
    if limit is not None and len(value) > limit:
        raise _RowError(f"{column} is {len(value)} characters long; the limit is {limit}")
    return value


def _ident(value: str, column: str) -> str:
    value = _text(value, column)
    if _SPACE.search(value):
        raise _RowError(f"{column} {value[:40]!r} contains a space")
    return value


def _qty(value: str) -> int:
    v = value.strip()
    if not re.fullmatch(r"[+-]?\d+", v):
        raise _RowError(f"qty {v[:20]!r} is not a whole number")
    n = int(v)
    if n <= 0:
        raise _RowError(f"qty {n} must be at least 1")
    if n > MAX_QTY:
        raise _RowError(f"qty {n} is larger than {MAX_QTY}")
    return n


def _cents(value: str) -> int:
    v = value.strip()
    if not re.fullmatch(r"\d{1,12}(\.\d{1,2})?", v):
        raise _RowError(f"unit_value {v[:20]!r} is not an amount like 19.99")
    try:
        cents = int(Decimal(v) * 100)
    except InvalidOperation:
        raise _RowError(f"unit_value {v[:20]!r} is not an amount like 19.99") from None
    if cents > MAX_CENTS:
        raise _RowError(f"unit_value {v} is implausibly large")
    return cents


def _when(value: str, column: str) -> datetime:
    v = value.strip()
    try:
        dt = datetime.fromisoformat(v)
    except ValueError:
        raise _RowError(f"{column} {v[:40]!r} is not an ISO 8601 date or date-time") from None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


class _Checker:
    """Shared per-row parsing with the settings' grade scale and patterns."""

    def __init__(self, settings: Settings) -> None:
        self.scale = tuple(settings.grades.scale)
        self.default_grade = settings.matching.default_min_grade
        self.rma = re.compile(settings.scanner.rma_pattern)
        self.hub_id = settings.hub.id

    def grade(self, value: str) -> str | None:
        v = value.strip()
        if not v:
            return None
        for g in (v, v.upper()):
            if g in self.scale:
                return g
        raise _RowError(f"min_grade {v[:20]!r} is not a grade on the scale {'/'.join(self.scale)}")


# (CSV column, key in the parsed row, parser, value when empty)
_Spec = list[tuple[str, str, Callable[[str], Any], Any]]


def _parse(
    kind: str, text: str, path: str, spec: _Spec
) -> tuple[list[tuple[int, dict[str, Any]]], list[BadRow]]:
    """Every row parsed with ``spec``, and the bad rows found on the way."""
    bad: list[BadRow] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    records = _records(text)
    try:
        first = next(records, None)
    except _RowError as exc:
        line, msg = str(exc).split("\0", 1)
        raise ImportRejected(path, [BadRow(int(line), msg)]) from None
    if first is None:
        raise ImportRejected(path, [BadRow(1, "the file is empty: no header row")])
    header = [h.strip().lower() for h in first[1]]
    missing = [c for c in COLUMNS[kind] if c in REQUIRED[kind] and c not in header]
    dupes = sorted({h for h in header if h in COLUMNS[kind] and header.count(h) > 1})
    if missing or dupes:
        parts = [f"missing column: {', '.join(missing)}"] if missing else []
        parts += [f"duplicate column: {', '.join(dupes)}"] if dupes else []
        expected = ",".join(COLUMNS[kind])
        raise ImportRejected(path, [BadRow(1, f"{'; '.join(parts)} (expected {expected})")])
    # (position in the record or -1, key, parser, default); a row lists every problem.
    fields = [(header.index(c) if c in header else -1, key, fn, d) for c, key, fn, d in spec]
    required = [(header.index(c), c) for c in COLUMNS[kind] if c in REQUIRED[kind]]
    while True:
        try:
            item = next(records, None)
        except _RowError as exc:
            line, msg = str(exc).split("\0", 1)
            bad.append(BadRow(int(line), msg))
            break  # the csv reader cannot resume after a broken quote
        if item is None:
            break
        line, record = item
        n = len(record)
        problems = [f"{c} is empty" for i, c in required if i >= n or not record[i].strip()]
        row: dict[str, Any] = {}
        for i, key, fn, default in fields:
            value = record[i] if 0 <= i < n else ""
            if not value or value.isspace():
                row[key] = default
                continue
            try:
                row[key] = fn(value)
            except _RowError as exc:
                problems.append(str(exc))
        if problems:
            bad.append(BadRow(line, "; ".join(problems)))
        else:
            rows.append((line, row))
    return rows, bad


def _changed(old: Any, values: dict[str, Any]) -> bool:
    m = old._mapping
    return any(m[k] != v for k, v in values.items())


def _chunks(items: Sequence[Any], n: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _existing(session: Any, column: Any, keys: Iterable[Any]) -> list[Any]:
    """Rows (plain column tuples, not ORM objects: much faster in bulk) whose ``column`` is
    in ``keys``, a few hundred per query."""
    out: list[Any] = []
    table = column.class_.__table__
    for chunk in _chunks(sorted(set(keys))):
        out.extend(session.execute(select(table).where(column.in_(chunk))).all())
    return out


def _first_lines(
    rows: list[tuple[int, dict[str, Any]]], key: Callable[[dict[str, Any]], Any], what: str
) -> tuple[dict[Any, int], list[BadRow]]:
    """The line where each id first appears; later appearances are bad rows."""
    seen: dict[Any, int] = {}
    bad = []
    for line, row in rows:
        k = key(row)
        if k in seen:
            bad.append(BadRow(line, f"duplicate {what} {k!r}: already on line {seen[k]}"))
        else:
            seen[k] = line
    return seen, bad


# --- the three kinds -----------------------------------------------------------------------


def _gtin(value: str) -> str:
    v = value.strip()
    if not v.isascii() or not v.isdigit() or len(v) not in (8, 12, 13, 14):
        raise _RowError(f"gtin {v[:20]!r} is not 8, 12, 13 or 14 digits")
    g = gtins.normalize(v)
    if g is None:
        raise _RowError(f"gtin {v} has a bad check digit")
    return g


def _catalog_spec(c: _Checker) -> _Spec:
    return [
        ("sku", "sku", partial(_ident, column="sku"), None),
        ("gtin", "gtin", _gtin, None),
        ("name", "name", partial(_text, column="name"), ""),
        ("variant", "variant", partial(_text, column="variant"), ""),
        ("unit_value", "unit_value_cents", _cents, 0),
        ("min_grade", "min_grade", c.grade, None),
    ]


def _priority(v: str) -> str:
    p = v.strip().lower()
    if p not in PRIORITIES:
        raise _RowError(f"priority {v.strip()[:20]!r} is not normal or expedite")
    return p


def _backorder_spec(c: _Checker) -> _Spec:
    spec: _Spec = [
        (col, col, partial(_ident, column=col), None) for col in ("backorder_id", "order_id", "sku")
    ]
    spec += [
        ("qty", "qty", _qty, None),
        ("min_grade", "min_grade", c.grade, None),
        ("priority", "priority", _priority, "normal"),
        ("ordered_at", "ordered_at", partial(_when, column="ordered_at"), None),
        ("promised_at", "promised_at", partial(_when, column="promised_at"), None),
        ("unit_value", "unit_value_cents", _cents, None),
    ]
    spec += [
        (col, col, partial(_text, column=col), "")
        for col in ("ship_to_name", "ship_to_city", "ship_to_postcode")
    ]
    return spec


def _return_spec(c: _Checker) -> _Spec:
    def rma(v: str) -> str:
        v = _ident(v, "rma")
        if not c.rma.match(v):
            raise _RowError(f"rma {v!r} does not match [scanner] rma_pattern {c.rma.pattern}")
        return v

    return [
        ("rma", "rma", rma, None),
        ("order_id", "order_id", partial(_ident, column="order_id"), ""),
        ("sku", "sku", partial(_ident, column="sku"), None),
        ("qty", "qty", _qty, None),
        ("customer_name", "customer_name", partial(_text, column="customer_name"), ""),
        ("expected_at", "expected_at", partial(_when, column="expected_at"), None),
    ]


# --- writing -------------------------------------------------------------------------------

_Rows = list[tuple[int, dict[str, Any]]]
_CATALOG_FIELDS = ("name", "variant", "unit_value_cents", "min_grade")
_BACKORDER_FIELDS = (
    "order_id",
    "sku",
    "qty",
    "min_grade",
    "priority",
    "ordered_at",
    "promised_at",
    "unit_value_cents",
    "ship_to_name",
    "ship_to_city",
    "ship_to_postcode",
)
_RETURN_FIELDS = ("order_id", "qty", "customer_name", "expected_at")


def _reject_if(path: str, bad: list[BadRow]) -> None:
    if bad:
        raise ImportRejected(path, sorted(bad, key=lambda b: b.line))


def _catalog_skus(session: Any, skus: Iterable[str]) -> dict[str, tuple[str | None, int]]:
    """sku -> (min_grade, unit_value_cents) for the catalogue items among ``skus``."""
    out: dict[str, tuple[str | None, int]] = {}
    cols = (CatalogItem.sku, CatalogItem.min_grade, CatalogItem.unit_value_cents)
    for chunk in _chunks(sorted(set(skus))):
        for sku, grade, cents in session.execute(select(*cols).where(CatalogItem.sku.in_(chunk))):
            out[sku] = (grade, cents)
    return out


def _load_catalog(
    session: Any, rows: _Rows, bad: list[BadRow], path: str, now: datetime
) -> tuple[int, int, int, int]:
    first: dict[str, tuple[int, dict[str, Any]]] = {}
    for line, row in rows:
        if row["sku"] in first:
            fl, fr = first[row["sku"]]
            diff = [k.replace("_cents", "") for k in _CATALOG_FIELDS if row[k] != fr[k]]
            if diff:
                bad.append(
                    BadRow(
                        line,
                        f"sku {row['sku']!r} has a different {', '.join(diff)} than on line {fl}",
                    )
                )
        else:
            first[row["sku"]] = (line, row)
    gtin_rows = [(ln, r) for ln, r in rows if r["gtin"]]
    seen_gtin, dupes = _first_lines(gtin_rows, lambda r: r["gtin"], "gtin")
    bad += dupes
    _, dupes = _first_lines(
        [(ln, r) for ln, r in rows if not r["gtin"]], lambda r: r["sku"], "sku without gtin"
    )
    bad += dupes
    mapped = {g.gtin: g.sku for g in _existing(session, Gtin.gtin, seen_gtin)}
    file_sku: dict[str, str] = {}
    for _, r in gtin_rows:
        file_sku.setdefault(r["gtin"], r["sku"])  # the first line wins; later ones are bad
    for g, line in seen_gtin.items():
        if g in mapped and mapped[g] != file_sku[g]:
            bad.append(BadRow(line, f"gtin {g} already belongs to sku {mapped[g]!r}"))
    _reject_if(path, bad)

    have = {c.sku: c for c in _existing(session, CatalogItem.sku, first)}
    inserts, updates, same = [], [], 0
    for sku, (_, row) in first.items():
        values = {k: row[k] for k in _CATALOG_FIELDS}
        old = have.get(sku)
        if old is None:
            inserts.append({"sku": sku, **values, "updated_at": now})
        elif _changed(old, values):
            updates.append({"sku": sku, **values, "updated_at": now})
        else:
            same += 1
    if inserts:
        session.execute(insert(CatalogItem.__table__), inserts)
    if updates:
        session.execute(update(CatalogItem), updates)
    new_gtins = [{"gtin": g, "sku": file_sku[g]} for g in seen_gtin if g not in mapped]
    if new_gtins:
        session.execute(insert(Gtin.__table__), new_gtins)
    return len(inserts), len(updates), same, len(new_gtins)


def _load_backorders(
    session: Any, rows: _Rows, bad: list[BadRow], path: str, now: datetime, c: _Checker
) -> tuple[int, int, int, int]:
    seen, dupes = _first_lines(rows, lambda r: r["backorder_id"], "backorder_id")
    bad += dupes
    catalog = _catalog_skus(session, (r["sku"] for _, r in rows))
    have = {b.backorder_id: b for b in _existing(session, BackorderLine.backorder_id, seen)}
    inserts, updates, same = [], [], 0
    for line, row in rows:
        if seen.get(row["backorder_id"]) != line:
            continue
        if row["sku"] not in catalog:
            bad.append(BadRow(line, f"unknown sku {row['sku']!r}: not in the catalogue"))
            continue
        sku_grade, sku_cents = catalog[row["sku"]]
        row["min_grade"] = row["min_grade"] or sku_grade or c.default_grade
        if row["unit_value_cents"] is None:
            row["unit_value_cents"] = sku_cents
        values = {k: row[k] for k in _BACKORDER_FIELDS}
        old = have.get(row["backorder_id"])
        if old is None:
            inserts.append(
                {
                    "backorder_id": row["backorder_id"],
                    **values,
                    "hub_id": c.hub_id,
                    "epoch": 1,
                    "qty_filled": 0,
                    "status": "open",
                    "updated_at": now,
                }
            )
            continue
        if row["qty"] < old.qty_filled:
            bad.append(
                BadRow(
                    line,
                    f"qty {row['qty']} is below the {old.qty_filled} unit(s) already "
                    f"allocated to {row['backorder_id']!r}",
                )
            )
        elif row["sku"] != old.sku and old.qty_filled:
            bad.append(BadRow(line, f"sku of {row['backorder_id']!r} cannot change: it has units"))
        elif _changed(old, values):
            # status stays: "open" means HQ's open; a full line is qty_filled == qty.
            updates.append({"backorder_id": row["backorder_id"], **values, "updated_at": now})
        else:
            same += 1
    _reject_if(path, bad)
    if inserts:
        session.execute(insert(BackorderLine.__table__), inserts)
    if updates:
        session.execute(update(BackorderLine), updates)
    return len(inserts), len(updates), same, 0


def _load_returns(
    session: Any, rows: _Rows, bad: list[BadRow], path: str, now: datetime
) -> tuple[int, int, int, int]:
    seen, dupes = _first_lines(rows, lambda r: (r["rma"], r["sku"]), "(rma, sku)")
    bad += dupes
    catalog = _catalog_skus(session, (r["sku"] for _, r in rows))
    have = {(e.rma, e.sku): e for e in _existing(session, ExpectedReturn.rma, (k[0] for k in seen))}
    inserts, updates, same = [], [], 0
    for line, row in rows:
        key = (row["rma"], row["sku"])
        if seen.get(key) != line:
            continue
        if row["sku"] not in catalog:
            bad.append(BadRow(line, f"unknown sku {row['sku']!r}: not in the catalogue"))
            continue
        values = {k: row[k] for k in _RETURN_FIELDS}
        old = have.get(key)
        if old is None:
            inserts.append({"rma": row["rma"], "sku": row["sku"], **values, "qty_received": 0})
        elif row["qty"] < old.qty_received:
            bad.append(
                BadRow(
                    line,
                    f"qty {row['qty']} is below the {old.qty_received} unit(s) already "
                    f"received for {row['rma']}",
                )
            )
        elif _changed(old, values):
            updates.append({"id": old.id, **values})
        else:
            same += 1
    _reject_if(path, bad)
    if inserts:
        session.execute(insert(ExpectedReturn.__table__), inserts)
    if updates:
        session.execute(update(ExpectedReturn), updates)
    return len(inserts), len(updates), same, 0


def import_file(
    db: Database,
    settings: Settings,
    kind: str,
    path: str | Path,
    *,
    now: datetime | None = None,
    actor: str = "import",
) -> ImportSummary:
    """Check the whole file, then upsert it in one write transaction.

    Raises :class:`ImportRejected` (nothing written) when any row is bad.
    """
    if kind not in KINDS:
        raise ServiceError(f"unknown import kind {kind!r}; use one of {', '.join(KINDS)}")
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ServiceError(f"{name}: cannot read the file: {exc.strerror or exc}") from None
    text = _decode(data, name)
    checker = _Checker(settings)
    now = now or datetime.now(UTC)
    parsers = {"catalog": _catalog_spec, "backorders": _backorder_spec, "returns": _return_spec}
    rows, bad = _parse(kind, text, name, parsers[kind](checker))
    with db.write() as session:
        if kind == "catalog":
            counts = _load_catalog(session, rows, bad, name, now)
        elif kind == "backorders":
            counts = _load_backorders(session, rows, bad, name, now, checker)
        else:
            counts = _load_returns(session, rows, bad, name, now)
        inserted, updated, same, new_gtins = counts
        summary = ImportSummary(kind, name, len(rows), inserted, updated, same, new_gtins)
        detail = summary.to_json() | {"sha256": hashlib.sha256(data).hexdigest()}
        if kind != "catalog":
            detail.pop("gtins_inserted")
        session.add(
            AuditLog(
                at=now,
                operator=actor,
                action="import",
                entity=kind,
                entity_id=Path(name).name[:64],
                detail=detail,
            )
        )
    return summary
