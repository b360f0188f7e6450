"""Blocking helpers the station's thread workers call (never the event loop)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from floor_app.scanning.wedge import visible

if TYPE_CHECKING:
    from floor_app.domain.label_content import LabelContent
    from floor_app.services.context import Services

log = logging.getLogger("floor.station")

ERROR_TITLES = {
    "BadScan": "BAD BARCODE",
    "Refused": "REFUSED",
    "NotFound": "NOT FOUND",
    "NotAllowed": "NOT ALLOWED",
    "ServiceError": "REFUSED",
    "StoreError": "DATABASE PROBLEM",
}


def describe_error(exc: BaseException) -> tuple[str, str]:
    """(headline, reason) for an exception raised by a service call."""
    from floor_app.services.errors import ServiceError
    from floor_app.store.engine import StoreError

    if isinstance(exc, ServiceError):
        title = ERROR_TITLES.get(type(exc).__name__, "REFUSED")
        if exc.reason.startswith("WRONG LABEL"):
            title = "WRONG LABEL"
        return title, exc.reason
    if isinstance(exc, StoreError):
        return "DATABASE PROBLEM", str(exc)
    log.exception("station call failed", exc_info=exc)
    return "ERROR", f"{type(exc).__name__}: {exc}"


def label_preview(content: LabelContent, width: int = 44) -> str:
    """The label as plain text: the labels module's renderer when present, else the fields."""
    try:
        from floor_app.labels.text import render_text
    except ImportError:
        render_text = None
    if render_text is not None:
        return render_text(content, width)
    lines = [content.action, f"Unit {content.unit_id}"]
    if content.order_id:
        lines.append(f"Order {content.order_id} -> {content.ship_to_name}, {content.ship_to_city}")
    lines.append(f"SKU {content.sku or '?'}  {content.name} {content.variant}".rstrip())
    if content.grade:
        lines.append(f"Grade {content.grade}")
    if content.location:
        lines.append(f"Go to {content.location}")
    lines.extend(f"- {step}" for step in content.steps)
    lines.append(f"Label {content.label_id}")
    return "\n".join(visible(line, 200) for line in lines)


def print_label(services: Services, label_id: str) -> tuple[bool, str]:
    """Send the label through the printing service if it exists.

    Returns (sent, detail). Without a printing service the label stays "pending" in the
    database (the decision never waits for a printer) and the screen shows the preview.
    """
    try:
        from floor_app.services.printing import PrintService
    except ImportError:
        return False, "no printing service installed: label kept as pending"
    try:
        printer = PrintService(services.settings, services.db, services.clock)
        outcome = printer.dispatch(label_id)
    except Exception as exc:  # a printer fault must never lose the decision
        log.warning("label %s not printed: %s", label_id, exc)
        return False, f"not printed: {exc}"
    if outcome.sent:
        return True, "sent to the printer"
    return False, f"kept as {outcome.status}: {outcome.error or 'printer offline'}"
