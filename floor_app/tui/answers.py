"""What the banner says for each result: plain data built from the services' results.

Kept apart from the widget so the wording and colour of every answer can be tested without
a terminal. Every string that came from outside (product names, cities, scans, error
reasons) is passed through :func:`floor_app.scanning.wedge.visible` so control characters
are shown, never obeyed; the widget renders with ``rich.text.Text``, never markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from floor_app.scanning.wedge import visible

if TYPE_CHECKING:
    from floor_app.services.station import (
        ConfirmResult,
        DecisionResult,
        Identification,
        ReceiveResult,
        UndoResult,
    )

#: Banner tone per decision kind; the .tcss gives each tone its colour.
TONES = {
    "fill_backorder": "fill",
    "restock": "restock",
    "restock_open_box": "restock",
    "send_to_dc": "amber",
    "refurbish": "amber",
    "liquidate": "grey",
    "recycle": "grey",
    "hold_unknown": "hold",
    "hold_wrong_item": "hold",
}
#: Tones that ring the bell and read as "something is wrong".
LOUD = frozenset({"hold", "error"})


@dataclass(frozen=True)
class Answer:
    tone: str  # fill | restock | amber | grey | hold | error | ok | info | hot | idle
    headline: str
    lines: tuple[tuple[str, str], ...] = ()  # (label, value) rows under the headline
    footer: str = ""  # what to do next
    scan: str | None = None  # the scan this answer is about (kept visible on errors)
    needs_ack: bool = False

    @property
    def loud(self) -> bool:
        return self.tone in LOUD


def _unit_lines(sku: str | None, name: str, variant: str) -> list[tuple[str, str]]:
    rows = [("SKU", visible(sku or "?", 40))]
    if name or variant:
        rows.append(("Item", visible(" · ".join(p for p in (name, variant) if p), 60)))
    return rows


def decision_answer(r: DecisionResult) -> Answer:
    tone = TONES.get(r.decision, "info")
    rows = _unit_lines(r.sku, r.name, r.variant)
    rows.append(("Grade", r.grade))
    if r.decision == "fill_backorder":
        rows.insert(0, ("Order", visible(r.order_id or "", 40)))
        rows.insert(1, ("Ship to", visible(r.ship_to_city or r.ship_to_name or "?", 40)))
        if r.location:
            rows.append(("Lane", visible(r.location, 30)))
    elif r.location and not r.decision.startswith("restock"):
        rows.append(("Put in", visible(r.location, 30)))
    if r.reason:
        rows.append(("Why", visible(r.reason, 100)))
    if r.label_id:
        rows.append(("Label", r.label_id))
    footer = "Scan the printed label to confirm · U undo"
    return Answer(tone, r.action or r.decision.upper(), tuple(rows), footer)


def identification_answer(i: Identification) -> Answer:
    rows = _unit_lines(i.sku, i.name, i.variant)
    if i.rma:
        rows.append(("RMA", visible(i.rma, 40)))
    if i.serial:
        rows.append(("Serial", visible(i.serial, 40)))
    if i.status == "need_product":
        return Answer(
            "info", "SCAN PRODUCT", tuple(rows), visible(i.reason or "Scan the product barcode")
        )
    if i.status in ("unknown", "wrong_item"):
        head = "UNKNOWN ITEM" if i.status == "unknown" else "WRONG ITEM"
        rows.append(("Why", visible(i.reason or "", 100)))
        return Answer("hold", head, tuple(rows), "Grade it: it goes to the exception shelf")
    footer = "" if i.gtin else "From the RMA: scan the product to check it, or grade"
    if i.hot:
        rows.append(("HOT", f"{i.open_lines} open backorder line(s) wait for this SKU"))
        return Answer("hot", "HOT - GRADE IT", tuple(rows), footer)
    return Answer("info", "GRADE IT", tuple(rows), footer)


def receive_answer(r: ReceiveResult) -> Answer:
    rows = _unit_lines(r.sku, r.name, "")
    if r.rma:
        rows.append(("RMA", visible(r.rma, 40)))
    rows.append(("Unit", r.unit_id))
    if r.status == "held":
        rows.append(("Why", visible(r.reason or "", 100)))
        return Answer("hold", "HOLD - EXCEPTION SHELF", tuple(rows), "Receive mode · F2 to leave")
    if r.hot:
        return Answer("hot", "HOT - INSPECT FIRST", tuple(rows), "A backorder waits for this SKU")
    return Answer("ok", "RECEIVED", tuple(rows), "Receive mode · F2 to leave")


def confirm_answer(r: ConfirmResult) -> Answer:
    what = "ready to ship" if r.decision == "fill_backorder" else "done"
    rows = (("Label", r.label_id), ("Unit", r.unit_id))
    return Answer("ok", "✓ LABEL OK", rows, f"Relabel confirmed: {what}. Scan the next unit")


def undo_answer(r: UndoResult) -> Answer:
    rows = [("Unit", r.unit_id)]
    if r.label_id:
        rows.append(("Label", f"{r.label_id} (void: remove it)"))
    return Answer("amber", "UNDONE", tuple(rows), "Scan the unit again to re-grade it")


def error_answer(title: str, reason: str, scan: str | None) -> Answer:
    rows: list[tuple[str, str]] = [("Why", visible(reason, 200))]
    if scan is not None:
        rows.append(("Scanned", visible(scan, 100)))
    return Answer(
        "error", title, tuple(rows), "Press Enter or Esc to continue", scan=scan, needs_ack=True
    )


@dataclass
class Checklist:
    """The optional checklist: each item unanswered (None), no (False) or yes (True)."""

    items: tuple[str, ...]
    answers: dict[str, bool | None] = field(default_factory=dict)

    def toggle(self, item: str) -> None:
        # Cycle — -> no -> yes -> —: "no" first, since a problem is what a worker reports.
        cur = self.answers.get(item)
        self.answers[item] = False if cur is None else (True if cur is False else None)

    def answered(self) -> dict[str, bool]:
        return {k: v for k, v in self.answers.items() if v is not None}

    def mark(self, item: str) -> str:
        v = self.answers.get(item)
        return "—" if v is None else ("✓" if v else "✗")
