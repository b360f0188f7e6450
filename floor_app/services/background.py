"""What a station runs beside the worker: the HQ sync relay and the label retries.

Both are plain threads with a stop event; the screen starts them once the database is
open and stops them when it closes. Neither ever blocks the screen: they write their state
(``sync_state`` keys, label rows) and the status bar reads it.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from floor_app.services.context import Services

log = logging.getLogger("floor.background")

#: Seconds between two looks at the print queue (each label has its own backoff).
LABEL_RETRY_SECONDS = 5.0


class BackgroundJobs:
    def __init__(self, services: Services, *, label_retry_seconds: float = LABEL_RETRY_SECONDS):
        self.services = services
        self.label_retry_seconds = label_retry_seconds
        self.stop_event = threading.Event()
        self.sync: threading.Thread | None = None
        self.labels: threading.Thread | None = None

    def start(self) -> None:
        settings = self.services.settings
        if settings.sync.hq_url:
            from floor_app.sync.worker import SyncWorker

            self.sync = SyncWorker(settings, self.services.db)
            self.sync.start()
        self.labels = threading.Thread(target=self._retry_labels, name="floor-labels", daemon=True)
        self.labels.start()

    def _retry_labels(self) -> None:
        from floor_app.services.printing import PrintService

        printer = PrintService(self.services.settings, self.services.db, self.services.clock)
        while not self.stop_event.wait(self.label_retry_seconds):
            try:
                printer.retry_due()
            except Exception:  # a locked database, a full disk: try again next round
                log.exception("label retry round failed")

    def stop(self, timeout: float = 5.0) -> None:
        self.stop_event.set()
        if self.sync is not None:
            self.sync.stop(timeout)  # type: ignore[attr-defined]
        if self.labels is not None:
            self.labels.join(timeout)
