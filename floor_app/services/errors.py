"""Errors a use case raises for the person at the station (CLI: exit status 2)."""

from __future__ import annotations


class ServiceError(Exception):
    """Something the worker or caller must fix; ``reason`` is shown as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadScan(ServiceError):
    """The scanned text cannot be read (bad check digit, ambiguous GS1, junk)."""


class Refused(ServiceError):
    """Readable, but not allowed now (wrong label, RMA already received, window passed)."""


class NotFound(ServiceError):
    """No such label, allocation, unit or operator."""


class NotAllowed(ServiceError):
    """The operator's role does not allow this (a worker voiding, a badge not on the roster)."""
