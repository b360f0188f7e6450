"""Messages the station's thread workers post back to the screen (the only way across)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from floor_app.services.status import StationStatus


class WorkDone(Message):
    """A blocking call finished. ``kind`` says which; ``result`` is the service's result."""

    def __init__(self, kind: str, result: Any, *, scan: str | None = None, req: int = 0) -> None:
        super().__init__()
        self.kind = kind  # signed_in | identified | decided | received | confirmed | undone
        self.result = result
        self.scan = scan
        self.req = req


class WorkFailed(Message):
    """A blocking call raised: the screen shows it and waits for Enter/Esc."""

    def __init__(self, kind: str, title: str, reason: str, *, scan: str | None, req: int = 0):
        super().__init__()
        self.kind = kind
        self.title = title
        self.reason = reason
        self.scan = scan
        self.req = req


class StatusRead(Message):
    def __init__(self, status: StationStatus | None, error: str = "") -> None:
        super().__init__()
        self.status = status
        self.error = error


class HistoryRead(Message):
    def __init__(self, rows: list[Any]) -> None:
        super().__init__()
        self.rows = rows


class LabelState(Message):
    """The label of the last decision: sent to the printer, or only previewed."""

    def __init__(self, label_id: str, printed: bool, detail: str, preview: str) -> None:
        super().__init__()
        self.label_id = label_id
        self.printed = printed
        self.detail = detail
        self.preview = preview


class CameraScan(Message):
    """A code read by the camera thread (delivered with ``call_from_thread``)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
