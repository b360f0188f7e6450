"""The print queue: every label is a row before it is sent, and stays pending until a
printer has taken it.

How one send goes (``_attempt``), in three steps that never hold a session across I/O:

1. **Claim** (short write transaction): re-read the row; if it may be sent, count the
   attempt and mark it *in flight* (``last_error`` starts with :data:`IN_FLIGHT`,
   ``next_attempt_at`` = now + a lease longer than any send can take). Writers are
   serialised (SQLite ``BEGIN IMMEDIATE``, PostgreSQL advisory lock), so two stations, or
   the station and ``floor labels retry``, never claim the same label twice.
2. **Send** with no session open; the back end has connect and write deadlines.
3. **Mark** (short write transaction): ``sent`` + ``sent_at`` on success; on failure the
   label stays ``pending`` with the error and a backoff (capped exponential, jittered).
   ``sync_state`` ``printer_online`` / ``printer_error`` are written in the same
   transaction, for the station header.

The crash window: if the process dies between the printer taking the bytes (2) and the
commit of (3), the row is still pending and in flight; once the lease expires a retry prints
it again. That is the only way a label prints twice, and it is the right side to err on:
marking ``sent`` before sending would lose the label instead. Both copies carry the same
label id, so scanning either confirms the same unit and the second scan is refused.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, or_, select

from floor_app.config import Settings
from floor_app.domain.label_content import LabelContent
from floor_app.labels.backends import PrinterBackend, PrintError, make_backend
from floor_app.labels.sanitize import clean
from floor_app.services.allocations import audit
from floor_app.services.errors import NotFound, Refused
from floor_app.store.engine import Database
from floor_app.store.models import Label, SyncState

#: ``last_error`` of a label some process is sending right now.
IN_FLIGHT = "sending since "
#: First retry delay; doubles per failed attempt up to ``retry_max_seconds``.
BACKOFF_BASE_SECONDS = 2.0


@dataclass(frozen=True)
class PrintOutcome:
    label_id: str
    status: str  # the label's status afterwards: pending | sent | confirmed | voided
    sent: bool  # this call delivered it to the printer
    error: str | None = None  # why not (printer error, or why it was skipped)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    printer_fault: bool = False  # the printer (not the label's content) failed

    def to_json(self) -> dict[str, Any]:
        return {
            "label_id": self.label_id,
            "status": self.status,
            "sent": self.sent,
            "error": self.error,
            "attempts": self.attempts,
            "next_attempt_at": _iso(self.next_attempt_at),
        }


@dataclass(frozen=True)
class PendingLabel:
    label_id: str
    unit_id: str
    kind: str
    action: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "label_id": self.label_id,
            "unit_id": self.unit_id,
            "kind": self.kind,
            "action": self.action,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "next_attempt_at": _iso(self.next_attempt_at),
            "created_at": _iso(self.created_at),
        }


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def set_state(session: Session, key: str, value: str) -> None:
    row = session.get(SyncState, key)
    if row is None:
        session.add(SyncState(key=key, value=value))
    else:
        row.value = value
        session.add(row)


@dataclass(frozen=True)
class _Claim:
    content: dict[str, Any]
    attempts: int
    printed_before: bool  # a reprint of a label that came out once already


class PrintService:
    """Sends stored labels to the configured printer; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Callable[[], datetime],
        backend: PrinterBackend | None = None,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.settings, self.db, self.clock = settings, db, clock
        self._backend = backend
        self.rng = rng or random.Random()
        p = settings.printer
        # Longer than the slowest possible send (connect + write + wait for the ACKs).
        self.lease = timedelta(seconds=p.connect_timeout + 2 * p.write_timeout + 5)

    @property
    def backend(self) -> PrinterBackend:
        # Built on first use so that a bad [printer] address is a print error on the
        # label, not a station that cannot start.
        if self._backend is None:
            self._backend = make_backend(self.settings.printer, self.settings.base_dir)
        return self._backend

    def backoff(self, attempts: int) -> timedelta:
        """Delay before the next try after ``attempts`` failures: 2, 4, 8... s, jittered
        down by up to half so that stations sharing a printer do not retry in step."""
        cap = self.settings.printer.retry_max_seconds
        delay = min(cap, BACKOFF_BASE_SECONDS * 2 ** max(0, min(attempts - 1, 30)))
        return timedelta(seconds=min(cap, delay * (0.5 + 0.5 * self.rng.random())))

    # -- use cases -------------------------------------------------------------------------
    def dispatch(self, label_id: str) -> PrintOutcome:
        """Send one label now if it is still pending (the station calls this right after a
        decision commits). Backoff is ignored; a label in flight elsewhere is left alone."""
        return self._attempt(label_id, reprint_by=None)

    def retry_due(self, limit: int = 50) -> list[PrintOutcome]:
        """Send pending labels whose time has come, oldest first. A round stops at the first
        failure: the printer is likely down, and each try may take the full timeout."""
        now = self.clock()
        with self.db.read() as s:
            ids = s.exec(
                select(Label.label_id)
                .where(Label.status == "pending")
                .where(or_(col(Label.next_attempt_at).is_(None), col(Label.next_attempt_at) <= now))
                .order_by(col(Label.created_at), col(Label.label_id))
                .limit(limit)
            ).all()
        out: list[PrintOutcome] = []
        for label_id in ids:
            outcome = self._attempt(label_id, reprint_by=None, due_only=True)
            out.append(outcome)
            if outcome.printer_fault:
                break
        return out

    def reprint(self, label_id: str, operator: str) -> PrintOutcome:
        """Print a label again on request (torn, smudged, never came out). Counts
        ``reprints`` when the printer takes it; audited either way."""
        return self._attempt(label_id, reprint_by=operator or "unknown")

    def pending(self, limit: int = 500) -> list[PendingLabel]:
        with self.db.read() as s:
            rows = s.exec(
                select(Label)
                .where(Label.status == "pending")
                .order_by(col(Label.created_at), col(Label.label_id))
                .limit(limit)
            ).all()
            return [
                PendingLabel(
                    label_id=r.label_id,
                    unit_id=r.unit_id,
                    kind=r.kind,
                    action=clean((r.content or {}).get("action") or r.kind, limit=60),
                    attempts=r.attempts,
                    last_error=r.last_error,
                    next_attempt_at=r.next_attempt_at,
                    created_at=r.created_at,
                )
                for r in rows
            ]

    def printer_state(self) -> tuple[bool | None, str]:
        """(online?, last error) as the last attempt left them; None: never tried."""
        with self.db.read() as s:
            online = s.get(SyncState, "printer_online")
            error = s.get(SyncState, "printer_error")
            return (
                None if online is None else online.value == "1",
                error.value if error is not None else "",
            )

    # -- one attempt -----------------------------------------------------------------------
    def _attempt(
        self, label_id: str, *, reprint_by: str | None, due_only: bool = False
    ) -> PrintOutcome:
        now = self.clock()
        claim = self._claim(label_id, now, reprint_by=reprint_by, due_only=due_only)
        if isinstance(claim, PrintOutcome):
            return claim
        error: str | None = None
        printer_fault = False
        try:
            self.backend.send(LabelContent.from_dict(claim.content))
        except PrintError as exc:
            error, printer_fault = str(exc), True
        except Exception as exc:  # bad stored content, a renderer bug: keep the label
            error = f"cannot render the label: {type(exc).__name__}: {exc}"
        return self._mark(
            label_id,
            claim.attempts,
            error,
            reprint_by=reprint_by,
            counts=claim.printed_before,
            printer_fault=printer_fault,
        )

    def _claim(
        self, label_id: str, now: datetime, *, reprint_by: str | None, due_only: bool
    ) -> _Claim | PrintOutcome:
        with self.db.write() as s:
            row = s.get(Label, label_id)
            if row is None:
                raise NotFound(f"no label {label_id} at this hub")

            def skip(why: str) -> PrintOutcome:
                return PrintOutcome(
                    label_id, row.status, False, why, row.attempts, row.next_attempt_at
                )

            in_flight = (
                (row.last_error or "").startswith(IN_FLIGHT)
                and row.next_attempt_at is not None
                and row.next_attempt_at > now
            )
            if reprint_by is not None:
                if row.status == "voided":
                    raise Refused(f"label {label_id} was voided: it must not be printed again")
                if in_flight:
                    raise Refused(f"label {label_id} is being printed right now")
            else:
                if row.status != "pending":
                    return skip(f"label is {row.status}")
                if in_flight:
                    return skip("being sent by another process")
                if due_only and row.next_attempt_at is not None and row.next_attempt_at > now:
                    return skip("not due yet")
            content = dict(row.content or {})
            if reprint_by is None or row.status == "pending":
                row.attempts += 1
            row.last_error = f"{IN_FLIGHT}{now.isoformat(timespec='seconds')}"
            row.next_attempt_at = now + self.lease
            s.add(row)
            return _Claim(content, row.attempts, row.status != "pending")

    def _mark(
        self,
        label_id: str,
        attempts: int,
        error: str | None,
        *,
        reprint_by: str | None,
        counts: bool = False,
        printer_fault: bool = False,
    ) -> PrintOutcome:
        now = self.clock()
        with self.db.write() as s:
            row = s.get(Label, label_id)
            if row is None:  # cannot happen: labels are never deleted
                raise NotFound(f"label {label_id} disappeared while printing")
            if error is None:
                if row.status == "pending":
                    row.status = "sent"
                    row.sent_at = now
                if reprint_by is not None and counts:
                    row.reprints += 1
                row.last_error = None
                row.next_attempt_at = None
            elif row.status == "pending":
                row.last_error = error[:1000]
                row.next_attempt_at = now + self.backoff(row.attempts)
            else:
                # A failed reprint of a label that already printed once: say so, but the
                # label keeps its status (the worker asks again when the printer is back).
                row.last_error = error[:1000]
                row.next_attempt_at = None
            s.add(row)
            if error is None or printer_fault:  # a label that cannot render says nothing
                set_state(s, "printer_online", "0" if error else "1")  # about the printer
                set_state(s, "printer_error", (error or "")[:1000])
            if reprint_by is not None:
                audit(
                    s,
                    operator=reprint_by,
                    action="label.reprint",
                    entity="label",
                    entity_id=label_id,
                    detail={"sent": error is None, "error": error, "reprints": row.reprints},
                    now=now,
                )
            return PrintOutcome(
                label_id,
                row.status,
                error is None,
                error,
                attempts,
                row.next_attempt_at,
                printer_fault,
            )
