"""One sync round (push, then pull), the background worker, and the status for the header."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import select

from floor_app.config import Settings
from floor_app.store.engine import Database, StoreError
from floor_app.store.models import Outbox
from floor_app.sync import state
from floor_app.sync.client import FatalError, HQClient, TransientError
from floor_app.sync.pull import Puller
from floor_app.sync.relay import Relay, record_failure
from floor_app.sync.retry import Backoff, Stopped

log = logging.getLogger("floor.sync")


@dataclass(frozen=True)
class RoundResult:
    pushed: int
    pulled: int


@dataclass(frozen=True)
class SyncStatus:
    online: bool
    error: str
    unsynced: int
    last_push_at: str
    last_pull_at: str
    clock_skew_seconds: int | None  # set when the hub's clock is minutes off HQ's


def status(db: Database) -> SyncStatus:
    """What the station's header shows."""
    with db.read() as s:
        pushed = state.get_int(s, state.PUSHED_SEQ)
        top = s.exec(select(func.max(Outbox.seq))).one() or 0
        return SyncStatus(
            online=state.get(s, state.SYNC_ONLINE) == "1",
            error=state.get(s, state.SYNC_ERROR),
            unsynced=max(0, top - pushed),
            last_push_at=state.get(s, state.LAST_PUSH_AT),
            last_pull_at=state.get(s, state.LAST_PULL_AT),
            clock_skew_seconds=int(skew) if (skew := state.get(s, state.CLOCK_SKEW)) else None,
        )


def client_for(settings: Settings, **kw: object) -> HQClient:
    if not settings.sync.hq_url:
        raise FatalError(0, "no HQ configured: set [sync] hq_url")
    token = settings.sync.resolved_token()
    if not token:
        raise FatalError(0, f"no hub token: set [sync] token or ${settings.sync.token_env}")
    return HQClient(
        settings.sync.hq_url,
        settings.hub.id,
        token,
        verify=settings.sync.verify_tls,
        **kw,  # type: ignore[arg-type]
    )


def sync_round(
    db: Database,
    client: HQClient,
    *,
    hub_id: str,
    batch_size: int,
    clock: Callable[[], datetime] | None = None,
    backoff: Backoff | None = None,
) -> RoundResult:
    """Push everything, then pull everything. Fatal answers are recorded, then raised."""
    clk = clock or (lambda: datetime.now(UTC))
    bo = backoff or Backoff()
    try:
        pushed = Relay(
            db, client, hub_id=hub_id, batch_size=batch_size, clock=clk, backoff=bo
        ).push()
        pulled = Puller(db, client, hub_id=hub_id, clock=clk, backoff=bo).pull()
        # Compensations found by the pull queue ack events: send them now, not next round.
        pushed += Relay(
            db, client, hub_id=hub_id, batch_size=batch_size, clock=clk, backoff=bo
        ).push()
    except FatalError as exc:
        record_failure(db, str(exc))
        raise
    return RoundResult(pushed, pulled)


class SyncWorker(threading.Thread):
    """Runs a sync round every ``[sync] interval_seconds`` until :meth:`stop`.

    Network trouble is retried inside the round with backoff (interrupted by stop);
    a refusal (bad token, 4xx) is recorded in ``sync_error`` and tried again next interval
    so that fixing the token at HQ heals the hub without a restart.
    """

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        clock: Callable[[], datetime] | None = None,
        client: HQClient | None = None,
        on_round: Callable[[SyncStatus], None] | None = None,
    ) -> None:
        super().__init__(name="floor-sync", daemon=True)
        self.settings = settings
        self.db = db
        self.clock = clock
        self.client = client
        self.on_round = on_round
        self.stop_event = threading.Event()

    def stop(self, timeout: float | None = 10.0) -> None:
        self.stop_event.set()
        if self.is_alive():
            self.join(timeout)

    def run(self) -> None:
        backoff = Backoff(
            cap=max(1.0, self.settings.sync.interval_seconds * 4),
            sleep=self.stop_event.wait,
            stop=self.stop_event,
        )
        client = self.client
        while not self.stop_event.is_set():
            try:
                if client is None:
                    client = client_for(self.settings)
                sync_round(
                    self.db,
                    client,
                    hub_id=self.settings.hub.id,
                    batch_size=self.settings.sync.batch_size,
                    clock=self.clock,
                    backoff=backoff,
                )
            except Stopped:
                break
            except FatalError as exc:
                log.warning("sync stopped: %s", exc)
                record_failure(self.db, str(exc))
            except (TransientError, StoreError) as exc:
                log.warning("sync round failed: %s", exc)
            except Exception:  # never let the worker die silently
                log.exception("sync round crashed")
            if self.on_round is not None:
                try:
                    self.on_round(status(self.db))
                except Exception:
                    log.exception("sync status callback failed")
            self.stop_event.wait(self.settings.sync.interval_seconds)
        if client is not None and self.client is None:
            client.close()
