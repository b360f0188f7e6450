"""The outbox relay: pushes ``seq > pushed_seq`` to HQ in order, in batches.

``pushed_seq`` moves only from HQ's answer (it is HQ's ``last_seq``), in the same local
transaction that applies HQ's per-event results; an ``out_of_order`` answer therefore
resumes from the seq HQ expects. Nothing is ever deleted from the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from floor_app.store.engine import Database
from floor_app.store.models import Outbox
from floor_app.sync import state
from floor_app.sync.client import FatalError, HQClient, TransientError
from floor_app.sync.outcomes import apply_outcome
from floor_app.sync.retry import Backoff

log = logging.getLogger("floor.sync")

# Mutation-check switch (tests only): "ack before send" marks a batch pushed before HQ
# has answered for it.
_ACK_BEFORE_SEND = False


def event_json(row: Outbox) -> dict[str, Any]:
    return {
        "event_id": row.event_id,
        "seq": row.seq,
        "hub_id": row.hub_id,
        "type": row.type,
        "aggregate_id": row.aggregate_id,
        "payload": row.payload,
        "occurred_at": row.occurred_at.isoformat(),
        "schema_version": row.schema_version,
    }


def record_failure(db: Database, error: str) -> None:
    with db.write() as s:
        state.put(s, state.SYNC_ONLINE, "0")
        state.put(s, state.SYNC_ERROR, error[:1000])


class Relay:
    def __init__(
        self,
        db: Database,
        client: HQClient,
        *,
        hub_id: str,
        batch_size: int,
        clock: Callable[[], datetime],
        backoff: Backoff | None = None,
    ) -> None:
        self.db = db
        self.client = client
        self.hub_id = hub_id
        self.batch_size = batch_size
        self.clock = clock
        self.backoff = backoff or Backoff()

    def push(self) -> int:
        """Push until the outbox is drained; the number of events HQ newly took."""
        total = 0
        stalls = 0
        while True:
            with self.db.read() as s:
                pushed = state.get_int(s, state.PUSHED_SEQ)
                rows = list(
                    s.exec(
                        select(Outbox)
                        .where(Outbox.seq > pushed)  # type: ignore[operator]
                        .order_by(Outbox.seq)  # type: ignore[arg-type]
                        .limit(self.batch_size)
                    )
                )
            if not rows:
                return total
            events = [event_json(r) for r in rows]
            if _ACK_BEFORE_SEND:
                with self.db.write() as s:
                    state.put(s, state.PUSHED_SEQ, rows[-1].seq or 0)
            answer = self.backoff.run(
                partial(self.client.push, events), lambda e: record_failure(self.db, e)
            )
            last = self._apply(answer, {r.event_id: r for r in rows})
            if last > pushed:
                total += last - pushed
                stalls = 0
            else:
                stalls += 1
                if stalls >= 3:  # HQ keeps asking for what we send: a bug, not a network fault
                    raise self._fatal(f"HQ makes no progress at seq {pushed + 1}: {answer}")

    def _fatal(self, message: str) -> FatalError:
        record_failure(self.db, message)
        return FatalError(0, message)

    def _apply(self, answer: dict[str, Any], sent: dict[str, Outbox]) -> int:
        results = answer.get("results")
        last = answer.get("last_seq")
        if not isinstance(last, int) or not isinstance(results, list):
            raise TransientError("HQ's push answer lacks last_seq/results")
        with self.db.read() as s:
            top = s.exec(select(func.max(Outbox.seq))).one() or 0
        if last > top:
            # HQ claims events this hub never wrote: a restored or swapped database.
            raise self._fatal(f"HQ has seq {last} but this hub's outbox ends at {top}")
        now = self.clock()
        with self.db.write() as s:
            for r in results:
                row = sent.get(str(r.get("event_id"))) if isinstance(r, dict) else None
                if row is None or row.type != "allocation.created":
                    continue
                apply_outcome(
                    s,
                    hub_id=self.hub_id,
                    allocation_id=str(row.payload.get("allocation_id", "")),
                    status=str(r.get("status")),
                    reason=_reason(r.get("reason")),
                    now=now,
                )
            state.put(s, state.PUSHED_SEQ, last)
            state.put(s, state.LAST_PUSH_AT, now.isoformat())
            state.put(s, state.SYNC_ONLINE, "1")
            state.put(s, state.SYNC_ERROR, "")
            state.put(s, state.CLOCK_SKEW, _skew(answer.get("hq_time"), now))
        if answer.get("status") == "out_of_order":
            log.info("HQ expects seq %s; resuming there", answer.get("expected_seq"))
        return last


SKEW_WARNING_SECONDS = 300


def _skew(hq_time: object, now: datetime) -> str:
    """HQ's clock minus ours in seconds if over five minutes, else "". Ordering never uses
    clocks (seq and epochs do); a skewed clock only makes audit times misleading."""
    try:
        theirs = datetime.fromisoformat(str(hq_time))
        skew = (theirs - now).total_seconds()
    except (TypeError, ValueError):
        return ""
    if abs(skew) < SKEW_WARNING_SECONDS:
        return ""
    log.warning("this hub's clock differs from HQ's by %.0f s", skew)
    return str(int(skew))


def _reason(value: object) -> str | None:
    return str(value)[:100] if value is not None else None
