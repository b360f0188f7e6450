"""The station's background jobs: pending labels get printed, the sync relay runs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from floor_app.domain.gtin import check_digit
from floor_app.services.background import BackgroundJobs
from floor_app.services.context import Services
from floor_app.store.models import CatalogItem, Gtin, Label, SyncState

GTIN = "061414100009" + str(check_digit("061414100009"))


def wait_for(check: Any, seconds: float = 15.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_pending_labels_are_printed_and_sync_is_tried(settings: Any, db: Any,
                                                      tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    settings.printer.kind = "file"
    settings.printer.address = str(spool)
    settings.sync.hq_url = "http://127.0.0.1:9"  # nothing listens: the relay must say so
    settings.sync.token = "t" * 32
    settings.sync.interval_seconds = 0.1
    with db.write() as s:
        s.add(CatalogItem(sku="MUG", name="Mug"))
        s.flush()
        s.add(Gtin(gtin=GTIN.rjust(14, "0"), sku="MUG"))
    services = Services.open(settings, db=db)
    label_id = services.station.process([GTIN], "C", "W1").label_id
    jobs = BackgroundJobs(services, label_retry_seconds=0.05)
    jobs.start()
    try:
        def label_sent() -> bool:
            with db.read() as s:
                row = s.get(Label, label_id)
                return row is not None and row.status == "sent"

        def sync_tried() -> bool:
            with db.read() as s:
                row = s.get(SyncState, "sync_online")
                return row is not None and row.value == "0"

        assert wait_for(label_sent), "the pending label was never printed"
        assert any(spool.iterdir())
        assert wait_for(sync_tried), "the relay never reported HQ as unreachable"
    finally:
        jobs.stop()
    assert jobs.labels is not None and not jobs.labels.is_alive()
    assert jobs.sync is not None and not jobs.sync.is_alive()
