"""Many senders racing for the same labels print each label exactly once (SQLite and
PostgreSQL): the claim transaction is the only gate, and the store serialises writers."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from label_support import add_label, make_content

from floor_app.domain.label_content import LabelContent
from floor_app.services.printing import PrintService
from floor_app.store.engine import Database

N_LABELS, N_SENDERS = 12, 4


class CountingBackend:
    def __init__(self, counter: Counter[str], lock: threading.Lock) -> None:
        self.counter, self.lock = counter, lock

    def describe(self) -> str:
        return "counting"

    def send(self, content: LabelContent) -> None:
        with self.lock:
            self.counter[content.label_id] += 1


def _race(url: str, settings) -> Counter[str]:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    setup = Database(url)
    ids = [
        add_label(setup, make_content(label_id=f"LBL-{i:06d}RACE", unit_id=f"U-RACE{i}"), now)
        for i in range(N_LABELS)
    ]
    setup.dispose()
    counter: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(N_SENDERS)
    errors: list[BaseException] = []

    def sender(k: int) -> None:
        db = Database(url)  # each "station" has its own engine and connections
        svc = PrintService(settings, db, lambda: datetime.now(UTC), CountingBackend(counter, lock))
        try:
            start.wait(10)
            order = ids if k % 2 else list(reversed(ids))
            for label_id in order:
                svc.dispatch(label_id)
            svc.retry_due()
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=sender, args=(k,)) for k in range(N_SENDERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    check = Database(url)
    try:
        assert PrintService(settings, check, lambda: datetime.now(UTC)).pending() == []
    finally:
        check.dispose()
    return counter


def test_racing_senders_sqlite(settings, db) -> None:  # type: ignore[no-untyped-def]
    counter = _race(settings.database_url(), settings)
    assert sorted(counter) == [f"LBL-{i:06d}RACE" for i in range(N_LABELS)]
    assert set(counter.values()) == {1}


@pytest.mark.postgres
def test_racing_senders_postgres(settings, pg_hub_url: str) -> None:  # type: ignore[no-untyped-def]
    counter = _race(pg_hub_url, settings)
    assert sorted(counter) == [f"LBL-{i:06d}RACE" for i in range(N_LABELS)]
    assert set(counter.values()) == {1}
