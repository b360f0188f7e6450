"""What the status bar shows, read from the hub database in one short read.

Sync and printer state come from the ``sync_state`` keys the sync relay and the printing
service keep (SERVICES_API.md); the unsynced count is the outbox past ``pushed_seq``.
Called from a thread worker, never on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from floor_app.services.context import Services


@dataclass(frozen=True)
class StationStatus:
    sync_online: bool | None  # None: never synced / no HQ configured
    sync_error: str
    unsynced: int
    printer_online: bool | None
    printer_error: str
    pending_labels: int


def read_status(services: Services) -> StationStatus:
    from sqlalchemy import func
    from sqlmodel import col, select

    from floor_app.store.models import Label, Outbox, SyncState

    with services.db.read() as s:
        state = {row.key: row.value for row in s.exec(select(SyncState))}
        try:
            pushed = int(state.get("pushed_seq") or 0)
        except ValueError:
            pushed = 0
        unsynced = s.exec(
            select(func.count()).select_from(Outbox).where(col(Outbox.seq) > pushed)
        ).one()
        pending = s.exec(
            select(func.count()).select_from(Label).where(col(Label.status) == "pending")
        ).one()

    def flag(key: str) -> bool | None:
        v = state.get(key)
        return None if v in (None, "") else v == "1"

    return StationStatus(
        sync_online=flag("sync_online"),
        sync_error=state.get("sync_error", ""),
        unsynced=int(unsynced),
        printer_online=flag("printer_online"),
        printer_error=state.get("printer_error", ""),
        pending_labels=int(pending),
    )
