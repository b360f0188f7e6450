"""The hub's sync status in ``sync_state`` (key/value), read and written in the caller's session."""

from __future__ import annotations

from sqlmodel import Session

from floor_app.store.models import SyncState

PUSHED_SEQ = "pushed_seq"
PULL_CURSOR = "pull_cursor"
LAST_PUSH_AT = "last_push_at"
LAST_PULL_AT = "last_pull_at"
SYNC_ONLINE = "sync_online"
SYNC_ERROR = "sync_error"
CLOCK_SKEW = "clock_skew_seconds"  # HQ's clock minus ours, when it is minutes off


def get(session: Session, key: str, default: str = "") -> str:
    row = session.get(SyncState, key)
    return row.value if row is not None else default


def get_int(session: Session, key: str) -> int:
    value = get(session, key, "0")
    return int(value) if value.strip().lstrip("-").isdigit() else 0


def put(session: Session, key: str, value: str | int) -> None:
    row = session.get(SyncState, key)
    if row is None:
        session.add(SyncState(key=key, value=str(value)))
    else:
        row.value = str(value)
        session.add(row)
