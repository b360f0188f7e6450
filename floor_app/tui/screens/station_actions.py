"""The station's keys and background readers, apart from the scan flow in ``station.py``.

Actions run from bindings, one-key commands and the command palette; the readers (label,
status line, history) are thread workers that post messages back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.widgets import Static

from floor_app.tui.answers import Answer
from floor_app.tui.messages import HistoryRead, LabelState, StatusRead
from floor_app.tui.widgets.history_list import HistoryList
from floor_app.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from floor_app.services.station import DecisionResult

#: States in which a blocking call is running: scans queue, keys wait.
BUSY = frozenset({"starting", "identifying", "deciding", "working"})


class StationActions:
    """Mixed into :class:`~floor_app.tui.screens.station.StationScreen`."""

    # Provided by the screen.
    services: Any
    settings: Any
    operator: Any
    state: str
    label_text: str
    note_mode: bool
    receive_mode: bool
    codes: list[str]
    ident: Any
    last: Any
    camera: Any

    @work(thread=True, exclusive=True, group="label")
    def send_label(self, result: DecisionResult) -> None:
        from floor_app.tui.work import label_preview, print_label

        if result.label_id is None:
            return
        printed, detail = print_label(self.services, result.label_id)
        preview = label_preview(result.label, 40) if result.label else ""
        self.post_message(LabelState(result.label_id, printed, detail, preview))

    def on_label_state(self, message: LabelState) -> None:
        self.label_text = message.preview
        self.poll_status()
        head = "LABEL SENT" if message.printed else "LABEL (preview, not printed)"
        body = Text(f"{head}\n", style="bold")
        body.append(f"{message.detail}\n", style="italic")
        body.append(message.preview)
        self.query_one("#label-preview", Static).update(body)

    @work(thread=True, exclusive=True, group="status")
    def poll_status(self) -> None:
        from floor_app.services.status import read_status

        if self.services is None:
            return
        try:
            self.post_message(StatusRead(read_status(self.services)))
        except Exception as exc:
            self.post_message(StatusRead(None, str(exc)))

    def on_status_read(self, message: StatusRead) -> None:
        if message.status is not None:
            self.query_one(StatusBar).status = message.status

    @work(thread=True, exclusive=True, group="history")
    def load_history(self) -> None:
        if self.operator is None:
            return
        try:
            rows = self.services.station.history(self.operator.badge_id, limit=12)
        except Exception:
            return
        self.post_message(HistoryRead(rows))

    def on_history_read(self, message: HistoryRead) -> None:
        self.query_one(HistoryList).set_rows(message.rows)

    # -- actions (keys, command palette) ---------------------------------------------------------
    def action_help(self) -> None:
        from floor_app.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self))

    def action_history(self) -> None:
        from floor_app.tui.screens.history import HistoryScreen

        rows = self.query_one(HistoryList).rows
        self.app.push_screen(HistoryScreen(self, rows))

    def action_label(self) -> None:
        from floor_app.tui.screens.history import TextScreen

        text = self.label_text or "No label yet: grade a unit first."
        self.app.push_screen(TextScreen(self, "Last label", text))

    def action_escape(self) -> None:
        self._touch()
        if self.state == "error":
            self._acknowledge()
        elif self.note_mode:
            self.note_mode = False
            self._enter("grading")
        elif self.state == "grading":
            self.codes, self.ident = [], None
            self._enter("idle")
            self._show(Answer("info", "CANCELLED", (), "Nothing was saved. Scan the next unit"))

    def action_receive_mode(self) -> None:
        if self.operator is None or self.state not in ("idle", "decided", "grading"):
            return
        self.receive_mode = not self.receive_mode
        self.codes, self.ident = [], None
        self._enter("idle")
        self._show(self._ready_answer())

    def action_undo(self) -> None:
        self._touch()
        if self.operator is None or self.state not in ("idle", "decided", "grading"):
            return
        op = self.operator.badge_id
        self._run("working", "undone", None, lambda: self.services.station.undo_last(op))

    def action_sign_out(self, reason: str = "") -> None:
        if self.operator is None or self.state in BUSY:
            return
        self.operator = None
        self.receive_mode = False
        self.codes, self.ident, self.last = [], None, None
        self.query_one(StatusBar).operator = ""
        self.query_one(HistoryList).set_rows([])
        self._enter("signed_out")
        if reason:
            self._show(Answer("idle", "SCAN BADGE", (), reason))

    def check_idle(self) -> None:
        limit = self.settings.station.idle_signout_seconds
        if self.operator is None or limit <= 0 or self.state == "deciding":
            return
        if self.idle_clock() - self._last_activity >= limit:
            self.action_sign_out(f"Signed out after {limit} s idle")

    def action_lead(self) -> None:
        if self.operator is None or self.operator.role != "lead":
            self.notify("The lead screens need a lead's badge", severity="warning")
            return
        try:
            from floor_app.tui.lead import LeadScreen
        except ImportError:
            self.notify("The lead screens are not installed yet", severity="warning")
            return
        self.app.push_screen(LeadScreen(self.services, self.operator.badge_id))

    def action_camera(self) -> None:
        from floor_app.tui.camera import toggle_camera

        toggle_camera(self)
