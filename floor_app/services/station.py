"""The station's use cases: sign in, identify, receive, decide, confirm, undo, void.

Each use case is one write transaction holding the change, its audit entry and its
outbox event; callers show "done" only after it returned. Results are plain dataclasses
that the TUI and the CLI render.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from floor_app.config import Settings
from floor_app.domain import matching
from floor_app.domain.barcodes import parse_scan
from floor_app.domain.grades import GradeError, GradeScale
from floor_app.domain.ids import new_id
from floor_app.domain.label_content import (
    LabelContent,
    disposition_location,
    headline,
    outbound_lane,
    packing_steps,
)
from floor_app.domain.scan import BarcodeError, Scan, ScanKind, ScannerRules
from floor_app.services.allocations import (
    append_event,
    audit,
    open_exception,
    release_allocation,
    reset_unit,
    settle_exceptions,
    void_label,
)
from floor_app.services.errors import BadScan, NotAllowed, NotFound, Refused, ServiceError
from floor_app.services.identify import Identified, ScanSet, identify, sort_scans
from floor_app.store.engine import Database
from floor_app.store.models import (
    Allocation,
    BackorderLine,
    CatalogItem,
    Decision,
    Inspection,
    Label,
    Operator,
    Unit,
)

MAX_NOTE = 2000


@dataclass(frozen=True)
class OperatorInfo:
    badge_id: str
    role: str  # worker | lead
    name: str = ""


@dataclass(frozen=True)
class Identification:
    status: str  # ok | unknown | wrong_item | need_product
    sku: str | None
    name: str
    variant: str
    gtin: str | None
    serial: str | None
    rma: str | None
    reason: str | None
    hot: bool
    open_lines: int
    codes: tuple[str, ...]


@dataclass(frozen=True)
class DecisionResult:
    unit_id: str
    sku: str | None
    grade: str
    decision: str
    backorder_id: str | None
    order_id: str | None
    allocation_id: str | None
    label_id: str | None
    reason: str | None
    name: str = ""
    variant: str = ""
    ship_to_name: str = ""
    ship_to_city: str = ""
    action: str = ""
    location: str = ""
    operator: str = ""
    decided_at: datetime | None = None
    label: LabelContent | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "sku": self.sku,
            "grade": self.grade,
            "decision": self.decision,
            "backorder_id": self.backorder_id,
            "order_id": self.order_id,
            "allocation_id": self.allocation_id,
            "label_id": self.label_id,
            "reason": self.reason,
            "name": self.name,
            "variant": self.variant,
            "action": self.action,
            "location": self.location,
            "ship_to_city": self.ship_to_city,
            "operator": self.operator,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
        }


@dataclass(frozen=True)
class ReceiveResult:
    unit_id: str
    sku: str | None
    name: str
    rma: str | None
    hot: bool
    status: str  # received | held
    reason: str | None


@dataclass(frozen=True)
class ConfirmResult:
    label_id: str
    unit_id: str
    allocation_id: str | None
    decision: str


@dataclass(frozen=True)
class UndoResult:
    decision_id: str
    unit_id: str
    allocation_id: str | None
    label_id: str | None


@dataclass(frozen=True)
class VoidResult:
    allocation_id: str
    unit_id: str
    backorder_id: str
    label_id: str | None


def grade_scale(settings: Settings) -> GradeScale:
    g = settings.grades
    return GradeScale(tuple(g.scale), dict(g.dispositions), dict(g.keys), dict(g.checklist_caps))


def scanner_rules(settings: Settings) -> ScannerRules:
    s = settings.scanner
    return ScannerRules(
        wedge_prefix=s.wedge_prefix,
        wedge_suffix=s.wedge_suffix,
        gs1_separator=s.gs1_separator,
        rma_pattern=s.rma_pattern,
        badge_pattern=s.badge_pattern,
        label_pattern=s.label_pattern,
    )


LINE_COLUMNS = (
    BackorderLine.backorder_id,
    BackorderLine.order_id,
    BackorderLine.sku,
    BackorderLine.hub_id,
    BackorderLine.status,
    BackorderLine.qty,
    BackorderLine.qty_filled,
    BackorderLine.min_grade,
    BackorderLine.priority,
    BackorderLine.ordered_at,
    BackorderLine.promised_at,
    BackorderLine.unit_value_cents,
    BackorderLine.epoch,
)


def line_view(row: Any, default_min: str) -> matching.LineView:
    """A backorder line (row of LINE_COLUMNS or a BackorderLine) as matching sees it."""
    return matching.LineView(
        backorder_id=row.backorder_id,
        order_id=row.order_id,
        sku=row.sku,
        hub_id=row.hub_id,
        status=row.status,
        qty=row.qty,
        qty_filled=row.qty_filled,
        min_grade=row.min_grade or default_min,
        priority=row.priority,
        ordered_at=row.ordered_at,
        promised_at=row.promised_at,
        unit_value_cents=row.unit_value_cents,
        epoch=row.epoch,
    )


class StationService:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock or (lambda: datetime.now(UTC))
        self.scale = grade_scale(settings)
        self.rules = scanner_rules(settings)
        self.policy = matching.MatchPolicy(
            settings.matching.policy, settings.matching.cancellation_risk_per_day
        )
        self.hub_id = settings.hub.id

    def _record(
        self,
        s: Session,
        *,
        event: str,
        aggregate_id: str,
        payload: dict[str, Any],
        operator: str,
        action: str,
        entity: str,
        entity_id: str,
        now: datetime,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """The outbox event for HQ and the audit entry of one change, in its transaction."""
        append_event(
            s, hub_id=self.hub_id, type=event, aggregate_id=aggregate_id, payload=payload, now=now
        )
        audit(
            s,
            operator=operator,
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=detail,
            now=now,
        )

    # -- operators -------------------------------------------------------------------------
    def badge_id(self, badge_scan: str) -> str:
        text = badge_scan.strip()
        if text.upper().startswith("BADGE:"):
            text = text[6:]
        if not text or len(text) > 64 or not text.isprintable():
            raise BadScan("that is not a badge id")
        return text

    def role_of(self, session: Session, badge_id: str) -> str:
        if badge_id in self.settings.roster.leads:
            return "lead"
        row = session.get(Operator, badge_id)
        return row.role if row is not None else "worker"

    def check_operator(self, badge_id: str) -> str:
        badge = self.badge_id(badge_id)
        roster = self.settings.roster
        if roster.operators and badge not in roster.operators and badge not in roster.leads:
            raise NotAllowed(f"badge {badge} is not on this hub's roster")
        return badge

    def sign_in(self, badge_scan: str) -> OperatorInfo:
        badge = self.check_operator(badge_scan)
        now = self.clock()
        with self.db.write() as s:
            row = s.get(Operator, badge)
            if row is None:
                role = "lead" if badge in self.settings.roster.leads else "worker"
                row = Operator(badge_id=badge, role=role, created_at=now)
                s.add(row)
            role = self.role_of(s, badge)
            audit(s, operator=badge, action="sign_in", entity="operator", entity_id=badge, now=now)
            return OperatorInfo(badge, role, row.name)

    # -- reading scans ---------------------------------------------------------------------
    def classify(self, raw: str) -> Scan:
        try:
            return parse_scan(raw, self.rules)
        except BarcodeError as exc:
            raise BadScan(exc.reason) from None

    def _scanset(self, codes: Sequence[str]) -> ScanSet:
        if not codes:
            raise BadScan("no codes given")
        return sort_scans([self.classify(c) for c in codes], list(codes))

    def _open_line_views(self, s: Session, sku: str, default_min: str) -> list[matching.LineView]:
        """Open lines of a SKU at every hub, as plain rows (the hot path: no ORM objects).
        Other hubs' lines are never taken (matching checks the hub) but explain a miss."""
        rows = s.execute(
            select(*LINE_COLUMNS).where(BackorderLine.sku == sku, BackorderLine.status == "open")
        )
        return [line_view(r, default_min) for r in rows]

    def _lines_with_qty(self, s: Session, sku: str) -> int:
        """How many open lines of this hub still want a unit of this SKU."""
        return int(
            s.exec(
                select(func.count())
                .select_from(BackorderLine)
                .where(
                    BackorderLine.sku == sku,
                    BackorderLine.status == "open",
                    BackorderLine.hub_id == self.hub_id,
                    col(BackorderLine.qty_filled) < col(BackorderLine.qty),
                )
            ).one()
        )

    def identify(self, codes: Sequence[str]) -> Identification:
        scans = self._scanset(codes)
        with self.db.read() as s:
            ident = identify(s, scans)
            open_lines = self._lines_with_qty(s, ident.sku) if ident.sku else 0
        item = ident.item
        return Identification(
            status=ident.status,
            sku=ident.sku,
            name=item.name if item else "",
            variant=item.variant if item else "",
            gtin=ident.gtin,
            serial=scans.product.serial if scans.product else None,
            rma=scans.rma,
            reason=ident.reason,
            hot=open_lines > 0,
            open_lines=open_lines,
            codes=tuple(codes),
        )

    # -- receiving -------------------------------------------------------------------------
    def _find_received(self, s: Session, scans: ScanSet, sku: str | None) -> Unit | None:
        """A unit already received (bulk intake) that these scans name, waiting for a grade."""
        serial = scans.product.serial if scans.product else None
        if serial and scans.product is not None:
            unit = s.exec(
                select(Unit).where(Unit.gtin == scans.product.gtin, Unit.serial == serial)
            ).first()
            if unit is not None:
                return unit
            return None
        if scans.rma and sku:
            return s.exec(
                select(Unit)
                .where(Unit.rma == scans.rma, Unit.sku == sku, Unit.status == "received")
                .order_by(col(Unit.received_at))
            ).first()
        return None

    def _new_unit(
        self, s: Session, scans: ScanSet, ident: Identified, operator: str, now: datetime
    ) -> Unit:
        if ident.rma_line is not None:
            line = ident.rma_line
            if line.qty_received >= line.qty:
                raise Refused(
                    f"RMA {line.rma} is already fully received ({line.qty_received} of "
                    f"{line.qty} {line.sku})"
                )
            line.qty_received += 1
            s.add(line)
        p = scans.product
        hot = False
        if ident.sku:
            hot = self._lines_with_qty(s, ident.sku) > 0
        unit = Unit(
            unit_id=new_id("U"),
            rma=scans.rma,
            sku=ident.sku,
            gtin=ident.gtin,
            serial=p.serial if p else None,
            lot=p.lot if p else None,
            expiry=p.expiry if p else None,
            codes=[c[:512] for c in scans.codes],
            status="received",
            hot=hot,
            received_at=now,
            received_by=operator,
        )
        s.add(unit)
        s.flush()  # rows that point at the unit are inserted after it
        self._record(
            s,
            event="unit.received",
            aggregate_id=unit.unit_id,
            payload={
                "unit_id": unit.unit_id,
                "rma": unit.rma,
                "sku": unit.sku,
                "gtin": unit.gtin,
                "serial": unit.serial,
                "hot": hot,
                "operator": operator,
            },
            operator=operator,
            action="receive",
            entity="unit",
            entity_id=unit.unit_id,
            detail={"rma": unit.rma, "sku": unit.sku, "hot": hot},
            now=now,
        )
        return unit

    def _unit_for(
        self, s: Session, scans: ScanSet, ident: Identified, operator: str, now: datetime
    ) -> Unit:
        existing = self._find_received(s, scans, ident.sku)
        if existing is not None:
            if existing.status not in ("received", "held"):
                raise Refused(
                    f"this unit (serial {existing.serial}) was already decided as "
                    f"{existing.disposition or existing.status} ({existing.unit_id})"
                )
            if existing.sku is None and ident.sku is not None:  # identified since receipt
                existing.sku = ident.sku
                s.add(existing)
            return existing
        return self._new_unit(s, scans, ident, operator, now)

    def receive(self, codes: Sequence[str], operator: str) -> ReceiveResult:
        """Bulk intake: record the unit in the pile, flag it HOT if a backorder waits for it."""
        operator = self.check_operator(operator)
        scans = self._scanset(codes)
        now = self.clock()
        with self.db.write() as s:
            ident = identify(s, scans)
            if ident.status == "need_product":
                raise Refused(ident.reason or "scan the product barcode")
            if scans.product and scans.product.serial:
                dup = self._find_received(s, scans, ident.sku)
                if dup is not None:
                    raise Refused(f"serial {dup.serial} was already received as {dup.unit_id}")
            unit = self._new_unit(s, scans, ident, operator, now)
            status = "received"
            if ident.status != "ok":
                unit.status = "held"
                unit.disposition = (
                    "hold_unknown" if ident.status == "unknown" else ("hold_wrong_item")
                )
                status = "held"
                open_exception(
                    s,
                    kind="unknown_item" if ident.status == "unknown" else "wrong_item",
                    unit_id=unit.unit_id,
                    detail=ident.reason or "",
                    action="Identify the item and re-scan it, or return it to the sender",
                    now=now,
                )
            return ReceiveResult(
                unit.unit_id,
                ident.sku,
                ident.item.name if ident.item else "",
                scans.rma,
                unit.hot,
                status,
                ident.reason,
            )

    # -- deciding --------------------------------------------------------------------------
    def _grade(self, grade: str, checklist: Mapping[str, bool] | None) -> str:
        try:
            g = self.scale.normalize(grade)
            if checklist:
                unknown = set(checklist) - set(self.settings.grades.checklist)
                if unknown:
                    raise ServiceError(f"unknown checklist item(s): {', '.join(sorted(unknown))}")
                g = self.scale.cap_by_checklist(g, checklist)
        except GradeError as exc:
            raise ServiceError(str(exc)) from None
        return g

    def process(
        self,
        codes: Sequence[str],
        grade: str,
        operator: str,
        *,
        checklist: Mapping[str, bool] | None = None,
        note: str = "",
    ) -> DecisionResult:
        """Scan, grade and decide one unit in one transaction."""
        operator = self.check_operator(operator)
        g = self._grade(grade, checklist)
        scans = self._scanset(codes)
        now = self.clock()
        with self.db.write() as s:
            ident = identify(s, scans)
            if ident.status == "need_product":
                raise Refused(ident.reason or "scan the product barcode")
            unit = self._unit_for(s, scans, ident, operator, now)
            return self._decide(s, unit, ident, g, operator, checklist or {}, note, now)

    def inspect(
        self,
        unit_id: str,
        grade: str,
        operator: str,
        *,
        checklist: Mapping[str, bool] | None = None,
        note: str = "",
    ) -> DecisionResult:
        """Grade and decide a unit received earlier."""
        operator = self.check_operator(operator)
        g = self._grade(grade, checklist)
        now = self.clock()
        with self.db.write() as s:
            unit = s.get(Unit, unit_id)
            if unit is None:
                raise NotFound(f"no unit {unit_id}")
            if unit.status not in ("received", "held"):
                raise Refused(f"unit {unit_id} was already decided ({unit.disposition})")
            item = s.get(CatalogItem, unit.sku) if unit.sku else None
            if unit.status == "held" or item is None:
                status = "wrong_item" if unit.disposition == "hold_wrong_item" else "unknown"
                ident = Identified(status, unit.sku, "held at receipt", item, None, unit.gtin)
            else:
                ident = Identified("ok", unit.sku, None, item, None, unit.gtin)
            return self._decide(s, unit, ident, g, operator, checklist or {}, note, now)

    def _decide(
        self,
        s: Session,
        unit: Unit,
        ident: Identified,
        grade: str,
        operator: str,
        checklist: Mapping[str, bool],
        note: str,
        now: datetime,
    ) -> DecisionResult:
        if unit.status == "held":  # decided again: its old exception is settled by this
            settle_exceptions(s, unit.unit_id, operator=operator, resolution="re-decided", now=now)
        inspection = Inspection(
            unit_id=unit.unit_id,
            grade=grade,
            checklist=dict(checklist),
            note=note[:MAX_NOTE],
            operator=operator,
            at=now,
        )
        s.add(inspection)
        s.flush()
        item = ident.item
        line: BackorderLine | None = None
        reason: str | None = None
        if ident.status != "ok":
            kind = "hold_wrong_item" if ident.status == "wrong_item" else "hold_unknown"
            reason = ident.reason
        else:
            assert item is not None
            line, reason = self._reserve(s, item, grade, now)
            kind = "fill_backorder" if line else self.scale.disposition(grade)

        decision_id = new_id("D")
        label_id = new_id("LBL")
        allocation_id = new_id("A") if line else None
        if line is not None:
            location = outbound_lane(line.priority, line.ship_to_postcode)
        else:
            location = disposition_location(kind, unit.sku)
        content = LabelContent(
            label_id=label_id,
            decision=kind,
            action=headline(kind, location),
            unit_id=unit.unit_id,
            sku=unit.sku,
            name=item.name if item else "",
            variant=item.variant if item else "",
            serial=unit.serial,
            grade=grade,
            order_id=line.order_id if line else None,
            ship_to_name=line.ship_to_name if line else "",
            ship_to_city=line.ship_to_city if line else "",
            ship_to_postcode=line.ship_to_postcode if line else "",
            location=location,
            steps=packing_steps(kind, grade),
            reason=reason,
            hub_id=self.hub_id,
            created_at=now.isoformat(),
        )
        s.add(
            Label(
                label_id=label_id,
                unit_id=unit.unit_id,
                allocation_id=allocation_id,
                kind=kind,
                content=content.to_dict(),
                status="pending",
                created_at=now,
            )
        )
        if line is not None and allocation_id is not None:
            s.add(
                Allocation(
                    allocation_id=allocation_id,
                    unit_id=unit.unit_id,
                    backorder_id=line.backorder_id,
                    epoch=line.epoch,
                    label_id=label_id,
                    operator=operator,
                    created_at=now,
                )
            )
        s.add(
            Decision(
                decision_id=decision_id,
                unit_id=unit.unit_id,
                inspection_id=inspection.id,
                decision=kind,
                grade=grade,
                backorder_id=line.backorder_id if line else None,
                allocation_id=allocation_id,
                label_id=label_id,
                reason=reason,
                operator=operator,
                at=now,
            )
        )
        unit.grade = grade
        unit.disposition = kind
        unit.decided_at = now
        unit.status = "allocated" if line else ("held" if kind.startswith("hold") else "disposed")
        s.add(unit)
        if kind.startswith("hold"):
            open_exception(
                s,
                kind="wrong_item" if kind == "hold_wrong_item" else "unknown_item",
                unit_id=unit.unit_id,
                label_id=label_id,
                detail=reason or "",
                action="Identify the item, then re-scan it; or return it to the sender",
                now=now,
            )
        append_event(
            s,
            hub_id=self.hub_id,
            type="unit.decided",
            aggregate_id=unit.unit_id,
            payload={
                "decision_id": decision_id,
                "unit_id": unit.unit_id,
                "sku": unit.sku,
                "grade": grade,
                "decision": kind,
                "reason": reason,
                "label_id": label_id,
                "operator": operator,
                "checklist": dict(checklist),
                "note": note[:MAX_NOTE],
            },
            now=now,
        )
        if line is not None and allocation_id is not None:
            append_event(
                s,
                hub_id=self.hub_id,
                type="allocation.created",
                aggregate_id=allocation_id,
                payload={
                    "allocation_id": allocation_id,
                    "unit_id": unit.unit_id,
                    "backorder_id": line.backorder_id,
                    "order_id": line.order_id,
                    "sku": line.sku,
                    "epoch": line.epoch,
                    "label_id": label_id,
                    "operator": operator,
                },
                now=now,
            )
        audit(
            s,
            operator=operator,
            action="decide",
            entity="unit",
            entity_id=unit.unit_id,
            detail={
                "decision": kind,
                "grade": grade,
                "backorder_id": line.backorder_id if line else None,
            },
            now=now,
        )
        return DecisionResult(
            unit_id=unit.unit_id,
            sku=unit.sku,
            grade=grade,
            decision=kind,
            backorder_id=line.backorder_id if line else None,
            order_id=line.order_id if line else None,
            allocation_id=allocation_id,
            label_id=label_id,
            reason=reason,
            name=content.name,
            variant=content.variant,
            ship_to_name=content.ship_to_name,
            ship_to_city=content.ship_to_city,
            action=content.action,
            location=location,
            operator=operator,
            decided_at=now,
            label=content,
        )

    def _reserve(
        self, s: Session, item: CatalogItem, grade: str, now: datetime
    ) -> tuple[BackorderLine | None, str | None]:
        """Reserve the policy's first eligible line, by a conditional update that cannot
        overfill even if another writer got there first."""
        default_min = item.min_grade or self.settings.matching.default_min_grade
        views = self._open_line_views(s, item.sku, default_min)
        ranked = matching.choose(
            views,
            sku=item.sku,
            grade=grade,
            hub_id=self.hub_id,
            scale=self.scale,
            policy=self.policy,
            now=now,
        )
        for view in ranked:
            result = s.execute(
                update(BackorderLine)
                .where(
                    col(BackorderLine.backorder_id) == view.backorder_id,
                    col(BackorderLine.status) == "open",
                    col(BackorderLine.epoch) == view.epoch,
                    col(BackorderLine.qty_filled) < col(BackorderLine.qty),
                )
                .values(qty_filled=col(BackorderLine.qty_filled) + 1, updated_at=now)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                line = s.get(BackorderLine, view.backorder_id, populate_existing=True)
                assert line is not None
                return line, None
        return None, matching.explain_no_match(
            views, sku=item.sku, grade=grade, hub_id=self.hub_id, scale=self.scale
        )

    # -- after the decision ----------------------------------------------------------------
    def confirm(
        self, label_scan: str, operator: str, *, expected_label_id: str | None = None
    ) -> ConfirmResult:
        """The worker scanned the printed label: the relabel is done."""
        operator = self.check_operator(operator)
        scan = self.classify(label_scan)
        if scan.kind is not ScanKind.LABEL or not scan.label_id:
            raise Refused(f"that is not a Floor label ({scan.kind.value} scanned)")
        label_id = scan.label_id
        if expected_label_id is not None and label_id != expected_label_id:
            raise Refused(
                f"WRONG LABEL: scanned {label_id}, this unit's label is {expected_label_id}"
            )
        now = self.clock()
        with self.db.write() as s:
            label = s.get(Label, label_id)
            if label is None:
                raise NotFound(f"no label {label_id} at this hub")
            if label.status == "voided":
                raise Refused(f"label {label_id} was voided: do not use it")
            if label.status == "confirmed":
                raise Refused(f"label {label_id} was already confirmed")
            label.status = "confirmed"
            label.confirmed_at = now
            s.add(label)
            alloc = s.get(Allocation, label.allocation_id) if label.allocation_id else None
            if alloc is not None:
                if alloc.status != "reserved":
                    raise Refused(f"allocation {alloc.allocation_id} is {alloc.status}")
                alloc.status = "relabelled"
                alloc.confirmed_at = now
                s.add(alloc)
                unit = s.get(Unit, alloc.unit_id)
                if unit is not None:
                    unit.status = "relabelled"
                    s.add(unit)
                line = s.get(BackorderLine, alloc.backorder_id)
                append_event(
                    s,
                    hub_id=self.hub_id,
                    type="allocation.relabelled",
                    aggregate_id=alloc.allocation_id,
                    payload={
                        "allocation_id": alloc.allocation_id,
                        "backorder_id": alloc.backorder_id,
                        "epoch": alloc.epoch if line is None else line.epoch,
                        "label_id": label_id,
                        "operator": operator,
                    },
                    now=now,
                )
            else:
                append_event(
                    s,
                    hub_id=self.hub_id,
                    type="label.confirmed",
                    aggregate_id=label_id,
                    payload={
                        "label_id": label_id,
                        "unit_id": label.unit_id,
                        "kind": label.kind,
                        "operator": operator,
                    },
                    now=now,
                )
            audit(
                s, operator=operator, action="confirm", entity="label", entity_id=label_id, now=now
            )
            return ConfirmResult(label_id, label.unit_id, label.allocation_id, label.kind)

    def undo_last(self, operator: str) -> UndoResult:
        """Reverse this operator's last decision, if it is still within the window."""
        operator = self.check_operator(operator)
        now = self.clock()
        window = timedelta(seconds=self.settings.station.undo_window_seconds)
        with self.db.write() as s:
            dec = s.exec(
                select(Decision)
                .where(Decision.operator == operator, col(Decision.undone_at).is_(None))
                .order_by(col(Decision.at).desc(), col(Decision.decision_id).desc())
            ).first()
            if dec is None:
                raise Refused("nothing to undo")
            if now - dec.at > window:
                raise Refused(
                    f"the undo window ({window.seconds} s) has passed; ask a lead to void it"
                )
            alloc = s.get(Allocation, dec.allocation_id) if dec.allocation_id else None
            epoch = None
            if alloc is not None:
                if alloc.status not in ("reserved", "relabelled"):
                    raise Refused(f"allocation {alloc.allocation_id} is already {alloc.status}")
                epoch = alloc.epoch
                release_allocation(
                    s, alloc, status="voided", reason="undo", actor=operator, now=now
                )
            else:
                if dec.label_id:
                    void_label(s, dec.label_id, now=now)
                reset_unit(s, dec.unit_id)
                settle_exceptions(
                    s, dec.unit_id, operator=operator, resolution="decision undone", now=now
                )
            dec.undone_at = now
            s.add(dec)
            self._record(
                s,
                event="decision.undone",
                aggregate_id=dec.decision_id,
                payload={
                    "decision_id": dec.decision_id,
                    "unit_id": dec.unit_id,
                    "allocation_id": dec.allocation_id,
                    "backorder_id": dec.backorder_id,
                    "epoch": epoch,
                    "operator": operator,
                },
                operator=operator,
                action="undo",
                entity="decision",
                entity_id=dec.decision_id,
                now=now,
            )
            return UndoResult(dec.decision_id, dec.unit_id, dec.allocation_id, dec.label_id)

    def void(self, allocation_id: str, reason: str, operator: str) -> VoidResult:
        """A lead cancels an allocation; the line gets its quantity back."""
        operator = self.check_operator(operator)
        reason = reason.strip()
        if not reason:
            raise ServiceError("a reason is required to void an allocation")
        now = self.clock()
        with self.db.write() as s:
            if self.role_of(s, operator) != "lead":
                raise NotAllowed(f"only a shift lead can void; {operator} is not a lead")
            alloc = s.get(Allocation, allocation_id)
            if alloc is None:
                raise NotFound(f"no allocation {allocation_id}")
            if alloc.status not in ("reserved", "relabelled"):
                raise Refused(f"allocation {allocation_id} is already {alloc.status}")
            release_allocation(
                s, alloc, status="voided", reason=reason[:1000], actor=operator, now=now
            )
            self._record(
                s,
                event="allocation.voided",
                aggregate_id=allocation_id,
                payload={
                    "allocation_id": allocation_id,
                    "unit_id": alloc.unit_id,
                    "backorder_id": alloc.backorder_id,
                    "epoch": alloc.epoch,
                    "reason": reason[:1000],
                    "operator": operator,
                },
                operator=operator,
                action="void",
                entity="allocation",
                entity_id=allocation_id,
                detail={"reason": reason[:1000]},
                now=now,
            )
            return VoidResult(allocation_id, alloc.unit_id, alloc.backorder_id, alloc.label_id)

    def history(self, operator: str, limit: int = 20) -> list[DecisionResult]:
        """This operator's last decisions, newest first (undone ones included, marked)."""
        with self.db.read() as s:
            rows = s.exec(
                select(Decision, Label)
                .join(Label, col(Label.label_id) == col(Decision.label_id), isouter=True)
                .where(Decision.operator == operator)
                .order_by(col(Decision.at).desc(), col(Decision.decision_id).desc())
                .limit(limit)
            ).all()
        out = []
        for dec, label in rows:
            content = LabelContent.from_dict(label.content) if label else None
            out.append(
                DecisionResult(
                    unit_id=dec.unit_id,
                    sku=content.sku if content else None,
                    grade=dec.grade or "",
                    decision=dec.decision,
                    backorder_id=dec.backorder_id,
                    order_id=content.order_id if content else None,
                    allocation_id=dec.allocation_id,
                    label_id=dec.label_id,
                    reason="undone" if dec.undone_at else dec.reason,
                    name=content.name if content else "",
                    variant=content.variant if content else "",
                    ship_to_name=content.ship_to_name if content else "",
                    ship_to_city=content.ship_to_city if content else "",
                    action=content.action if content else dec.decision,
                    location=content.location if content else "",
                    operator=dec.operator,
                    decided_at=dec.at,
                    label=content,
                )
            )
        return out


__all__ = [
    "ConfirmResult",
    "DecisionResult",
    "Identification",
    "OperatorInfo",
    "ReceiveResult",
    "StationService",
    "UndoResult",
    "VoidResult",
]
