"""Retry forever with capped exponential backoff and full jitter (AWS's "full jitter")."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from floor_app.sync.client import TransientError

T = TypeVar("T")
log = logging.getLogger("floor.sync")


class Stopped(Exception):
    """The worker was asked to stop while waiting to retry."""


@dataclass
class Backoff:
    base: float = 0.5
    cap: float = 60.0
    #: None: retry forever (the background worker); a number: give up (``floor sync --once``).
    max_attempts: int | None = None
    sleep: Callable[[float], object] = time.sleep
    rand: Callable[[], float] = random.random
    stop: threading.Event = field(default_factory=threading.Event)

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt))."""
        return self.rand() * min(self.cap, self.base * (2 ** min(attempt, 30)))

    def run(self, call: Callable[[], T], on_failure: Callable[[str], None]) -> T:
        attempt = 0
        while True:
            if self.stop.is_set():
                raise Stopped
            try:
                return call()
            except TransientError as exc:
                attempt += 1
                on_failure(str(exc))
                if self.max_attempts is not None and attempt >= self.max_attempts:
                    raise
                wait = self.delay(attempt - 1)
                log.info("HQ unreachable (%s); retry %d in %.1fs", exc, attempt, wait)
                self.sleep(wait)
