"""The print queue in the hub database: nothing lost, nothing printed twice by a retry."""

from __future__ import annotations

import random
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from label_support import FakeClock, add_label, make_content
from sqlmodel import select

from floor_app.domain.label_content import LabelContent
from floor_app.labels.backends import PrintError, TcpPrinter
from floor_app.labels.zpl import render_zpl
from floor_app.services.errors import NotFound, Refused
from floor_app.services.printing import IN_FLIGHT, PrintService
from floor_app.store.engine import Database
from floor_app.store.models import AuditLog, Label, SyncState


def _service(settings, db, clock, backend=None) -> PrintService:  # type: ignore[no-untyped-def]
    return PrintService(settings, db, clock, backend, rng=random.Random(7))


def _tcp(address: str, timeout: float = 1.0) -> TcpPrinter:
    return TcpPrinter(address, connect_timeout=timeout, write_timeout=timeout)


def _row(db, label_id: str) -> Label:  # type: ignore[no-untyped-def]
    with db.read() as s:
        row = s.get(Label, label_id)
        assert row is not None
        return row


def _state(db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return {r.key: r.value for r in s.exec(select(SyncState)).all()}


class FlakyBackend:
    """Fails while ``down`` is set; records what it delivered otherwise."""

    def __init__(self) -> None:
        self.down = True
        self.sent: list[str] = []

    def describe(self) -> str:
        return "flaky"

    def send(self, content: LabelContent) -> None:
        if self.down:
            raise PrintError("printer is off")
        self.sent.append(content.label_id)


def test_dispatch_sends_once_and_marks_sent(settings, db, fixed_now, recording_printer) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(fixed_now)
    label_id = add_label(db, make_content(), fixed_now)
    svc = _service(settings, db, clock, _tcp(recording_printer.address))
    out = svc.dispatch(label_id)
    assert out.sent and out.status == "sent" and out.attempts == 1
    row = _row(db, label_id)
    assert (row.status, row.sent_at, row.last_error) == ("sent", fixed_now, None)
    assert _state(db)["printer_online"] == "1" and _state(db)["printer_error"] == ""
    # Neither a second dispatch nor a retry round prints it again.
    assert not svc.dispatch(label_id).sent
    clock.advance(3600)
    assert svc.retry_due() == []
    assert recording_printer.wait_jobs(1) == [render_zpl(make_content())]
    assert svc.pending() == []


def test_refused_printer_leaves_the_label_pending(settings, db, fixed_now, refused_address) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(fixed_now)
    label_id = add_label(db, make_content(), fixed_now)
    out = _service(settings, db, clock, _tcp(refused_address)).dispatch(label_id)
    assert not out.sent and out.status == "pending" and "refused" in (out.error or "")
    row = _row(db, label_id)
    assert row.status == "pending" and row.attempts == 1 and "refused" in (row.last_error or "")
    assert fixed_now < row.next_attempt_at <= fixed_now + timedelta(seconds=2)
    state = _state(db)
    assert state["printer_online"] == "0" and "refused" in state["printer_error"]


def test_hung_printer_times_out_and_leaves_the_label_pending(  # type: ignore[no-untyped-def]
    settings, db, fixed_now, deaf_printer
) -> None:
    class BulkyTcp(TcpPrinter):
        # A label with a big graphic: more than the socket buffers hold.
        def send(self, content: LabelContent) -> None:
            self.send_bytes(render_zpl(content)[:-4] + b"^FX" + b"g" * 4_000_000 + b"^XZ\n")

    label_id = add_label(db, make_content(), fixed_now)
    backend = BulkyTcp(deaf_printer, connect_timeout=1, write_timeout=0.5)
    out = _service(settings, db, FakeClock(fixed_now), backend).dispatch(label_id)
    assert not out.sent and "stopped reading" in (out.error or "")
    assert _row(db, label_id).status == "pending"


def test_printer_closing_mid_write_leaves_the_label_pending(  # type: ignore[no-untyped-def]
    settings, db, fixed_now, cutoff_printer
) -> None:
    class BulkyTcp(TcpPrinter):
        def send(self, content: LabelContent) -> None:
            self.send_bytes(render_zpl(content) + b"^XA^FX" + b"g" * 4_000_000 + b"^XZ")

    label_id = add_label(db, make_content(), fixed_now)
    out = _service(settings, db, FakeClock(fixed_now), BulkyTcp(cutoff_printer)).dispatch(label_id)
    assert not out.sent and "dropped" in (out.error or "")
    assert _row(db, label_id).status == "pending"


def test_retry_waits_for_backoff_then_sends(settings, db, fixed_now) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(fixed_now)
    backend = FlakyBackend()
    svc = _service(settings, db, clock, backend)
    label_id = add_label(db, make_content(), fixed_now)
    svc.dispatch(label_id)
    assert svc.retry_due() == []  # not due yet
    delays = []
    for attempt in range(2, 9):
        due = _row(db, label_id).next_attempt_at
        delays.append((due - clock.now).total_seconds())
        clock.now = due
        (out,) = svc.retry_due()
        assert not out.sent and out.attempts == attempt
    # Capped exponential with jitter: each wait in [half, full] of min(cap, 2 * 2^(n-1)).
    cap = settings.printer.retry_max_seconds
    for n, d in enumerate(delays, 1):
        full = min(cap, 2.0 * 2 ** (n - 1))
        assert full / 2 <= d <= full
    assert max(delays) > 16  # it did grow
    backend.down = False
    clock.now = _row(db, label_id).next_attempt_at
    (out,) = svc.retry_due()
    assert out.sent and backend.sent == [label_id]
    clock.advance(3600)
    assert svc.retry_due() == [] and backend.sent == [label_id]


def test_backoff_never_exceeds_the_cap(settings, db, fixed_now) -> None:  # type: ignore[no-untyped-def]
    settings.printer.retry_max_seconds = 30
    svc = _service(settings, db, FakeClock(fixed_now))
    for attempts in (1, 5, 20, 10_000):
        assert timedelta(0) < svc.backoff(attempts) <= timedelta(seconds=30)


def test_retry_round_stops_at_the_first_failure(settings, db, fixed_now) -> None:  # type: ignore[no-untyped-def]
    backend = FlakyBackend()
    svc = _service(settings, db, FakeClock(fixed_now), backend)
    for i in range(5):
        add_label(db, make_content(label_id=f"LBL-{i:06d}QUEUE", unit_id=f"U-{i}"), fixed_now)
    outcomes = svc.retry_due()
    assert len(outcomes) == 1 and not outcomes[0].sent
    backend.down = False
    outcomes = svc.retry_due()  # the other four are due; the first one is in backoff
    assert [o.label_id for o in outcomes] == [f"LBL-{i:06d}QUEUE" for i in range(1, 5)]
    assert len(svc.pending()) == 1


def test_pending_labels_survive_a_restart(settings, fixed_now, refused_address, db) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(fixed_now)
    ids = [
        add_label(db, make_content(k, label_id=f"LBL-{i:06d}RESTART", unit_id=f"U-R{i}"), fixed_now)
        for i, k in enumerate(("fill_backorder", "restock", "send_to_dc"))
    ]
    _service(settings, db, clock, _tcp(refused_address)).dispatch(ids[0])
    db.dispose()
    # A new process: a new Database object on the same file.
    again = Database(settings.database_url())
    try:
        backend = FlakyBackend()
        backend.down = False
        svc = _service(settings, again, clock, backend)
        listed = svc.pending()
        assert [p.label_id for p in listed] == ids
        assert listed[0].attempts == 1 and "refused" in (listed[0].last_error or "")
        assert listed[0].action == "FILL BACKORDER" and listed[2].action == "SEND TO DC"
        assert listed[1].action.startswith("RESTOCK BIN ")
        clock.advance(settings.printer.retry_max_seconds)
        assert [o.label_id for o in svc.retry_due() if o.sent] == ids
        assert svc.pending() == []
    finally:
        again.dispose()


def test_reprint_counts_and_audits(settings, db, fixed_now, recording_printer) -> None:  # type: ignore[no-untyped-def]
    svc = _service(settings, db, FakeClock(fixed_now), _tcp(recording_printer.address))
    label_id = add_label(db, make_content(), fixed_now)
    svc.dispatch(label_id)
    out = svc.reprint(label_id, "L1")
    assert out.sent and out.status == "sent"
    assert _row(db, label_id).reprints == 1
    assert len(recording_printer.wait_jobs(2)) == 2
    with db.read() as s:
        (entry,) = s.exec(select(AuditLog).where(AuditLog.action == "label.reprint")).all()
    assert (entry.operator, entry.entity_id, entry.detail["sent"]) == ("L1", label_id, True)


def test_failed_reprint_is_audited_and_keeps_the_status(settings, db, fixed_now) -> None:  # type: ignore[no-untyped-def]
    backend = FlakyBackend()
    backend.down = False
    svc = _service(settings, db, FakeClock(fixed_now), backend)
    label_id = add_label(db, make_content(), fixed_now)
    svc.dispatch(label_id)
    backend.down = True
    out = svc.reprint(label_id, "L1")
    assert not out.sent and out.status == "sent" and out.error == "printer is off"
    row = _row(db, label_id)
    assert row.reprints == 0 and row.status == "sent"
    with db.read() as s:
        (entry,) = s.exec(select(AuditLog).where(AuditLog.action == "label.reprint")).all()
    assert entry.detail["sent"] is False


def test_reprint_refuses_voided_and_unknown_labels(settings, db, fixed_now) -> None:  # type: ignore[no-untyped-def]
    svc = _service(settings, db, FakeClock(fixed_now), FlakyBackend())
    add_label(db, make_content(), fixed_now, status="voided")
    with pytest.raises(Refused, match="voided"):
        svc.reprint(make_content().label_id, "L1")
    with pytest.raises(NotFound):
        svc.reprint("LBL-NOSUCHLABEL", "L1")
    assert not svc.dispatch(make_content().label_id).sent  # voided: never sent


def test_a_label_in_flight_is_not_claimed_twice(settings, db, fixed_now) -> None:  # type: ignore[no-untyped-def]
    """Two senders (the station and `floor labels retry`) racing for one label."""
    clock = FakeClock(fixed_now)
    label_id = add_label(db, make_content(), fixed_now)
    entered, release = threading.Event(), threading.Event()
    delivered: list[str] = []

    class SlowBackend:
        def describe(self) -> str:
            return "slow"

        def send(self, content: LabelContent) -> None:
            entered.set()
            release.wait(5)
            delivered.append(content.label_id)

    first = _service(settings, db, clock, SlowBackend())
    t = threading.Thread(target=first.dispatch, args=(label_id,))
    t.start()
    assert entered.wait(5)
    # While the first send is in progress, the row says so and nobody else takes it.
    assert (_row(db, label_id).last_error or "").startswith(IN_FLIGHT)
    other = _service(settings, db, clock, SlowBackend())
    skipped = other.dispatch(label_id)
    assert not skipped.sent and "another process" in (skipped.error or "")
    assert other.retry_due() == []
    with pytest.raises(Refused, match="right now"):
        other.reprint(label_id, "L1")
    release.set()
    t.join(5)
    assert delivered == [label_id] and _row(db, label_id).status == "sent"


def test_a_crash_after_claiming_is_retried_after_the_lease(settings, db, fixed_now) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(fixed_now)
    label_id = add_label(db, make_content(), fixed_now)

    class Crash(BaseException):
        pass

    class DyingBackend:
        def describe(self) -> str:
            return "dies"

        def send(self, content: LabelContent) -> None:
            raise Crash  # the process "dies" mid-send: nothing after this runs

    with pytest.raises(Crash):
        _service(settings, db, clock, DyingBackend()).dispatch(label_id)
    backend = FlakyBackend()
    backend.down = False
    svc = _service(settings, db, clock, backend)
    assert svc.retry_due() == []  # still inside the lease: maybe still sending
    clock.now += svc.lease
    assert [o.sent for o in svc.retry_due()] == [True]
    assert backend.sent == [label_id]


def test_no_transaction_is_held_while_the_printer_is_slow(settings, db, fixed_now) -> None:  # type: ignore[no-untyped-def]
    """While a send is in progress another connection can write at once."""
    label_id = add_label(db, make_content(), fixed_now)
    path = settings.database_url().removeprefix("sqlite:///")
    wrote: list[bool] = []

    class CheckingBackend:
        def describe(self) -> str:
            return "checking"

        def send(self, content: LabelContent) -> None:
            # A second writer (another station) must get the write lock within 50 ms.
            conn = sqlite3.connect(path, timeout=0.05, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            finally:
                conn.close()
            wrote.append(True)

    out = _service(settings, db, FakeClock(fixed_now), CheckingBackend()).dispatch(label_id)
    assert out.sent, out.error
    assert wrote == [True]


def test_unrenderable_content_stays_pending_with_the_reason(settings, db, fixed_now) -> None:  # type: ignore[no-untyped-def]
    from floor_app.store.models import Unit

    with db.write() as s:
        s.add(Unit(unit_id="U-BAD", received_at=fixed_now, received_by="W1"))
        s.flush()
        s.add(Label(label_id="LBL-BADCONTENT", unit_id="U-BAD", kind="restock",
                    content={"label_id": "\x00\x01"}, created_at=fixed_now))  # fmt: skip
    add_label(db, make_content(), fixed_now + timedelta(seconds=1))  # after the broken one
    backend = FlakyBackend()
    backend.down = False
    out = _service(settings, db, FakeClock(fixed_now), backend).retry_due()
    bad = out[0]
    assert bad.label_id == "LBL-BADCONTENT"
    assert not bad.sent and "cannot render" in (bad.error or "") and not bad.printer_fault
    assert _row(db, "LBL-BADCONTENT").status == "pending"
    # A broken label is not a broken printer: the round goes on, the header stays online.
    assert backend.sent == [make_content().label_id]
    assert _state(db)["printer_online"] == "1"


def test_default_backend_comes_from_settings(settings, db, fixed_now, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.printer.address = "spool"
    label_id = add_label(db, make_content(), fixed_now)
    assert PrintService(settings, db, FakeClock(fixed_now)).dispatch(label_id).sent
    assert (tmp_path / "spool" / f"{label_id}.zpl").read_bytes() == render_zpl(make_content())
