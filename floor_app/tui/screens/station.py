"""The station screen: sign in, scan, grade, the answer, confirm the label, undo.

The screen decides; widgets only report what the worker did (``ScanInput`` posts scans
and one-key commands). Every call into the services runs in a thread worker that posts a
:class:`WorkDone` / :class:`WorkFailed` message back, so the screen never waits on the
database, the printer or the network.

States: ``signed_out`` -> ``idle`` -> (``identifying``) -> ``grading`` -> (``deciding``)
-> ``decided`` (waiting for the label's confirm scan) -> ``idle`` ... An error puts the
screen in ``error`` until Enter/Esc; the state before it comes back after.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from floor_app.tui import answers
from floor_app.tui.answers import Answer, Checklist
from floor_app.tui.messages import CameraScan, WorkDone, WorkFailed
from floor_app.tui.screens.station_actions import BUSY, StationActions
from floor_app.tui.widgets.answer_banner import AnswerBanner
from floor_app.tui.widgets.grade_prompt import GradePrompt
from floor_app.tui.widgets.history_list import HistoryList
from floor_app.tui.widgets.scan_input import ScanInput
from floor_app.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from floor_app.config import Settings
    from floor_app.services.background import BackgroundJobs
    from floor_app.services.context import Services
    from floor_app.services.station import DecisionResult, Identification, OperatorInfo

#: Letters that act alone in the idle state wait this long for a following key, so a code
#: typed by hand that starts with U, L or H is not taken for a command.
IDLE_COMMAND_MS = 400.0
TOGGLE_KEYS = "6789GJKMPQRSTVWXYZ"
MAX_CODES = 3


class StationScreen(StationActions, Screen[None]):
    AUTO_FOCUS = "#scan"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("f2", "receive_mode", "Receive"),
        Binding("f3", "history", "History"),
        Binding("f4", "sign_out", "Sign out"),
        Binding("f5", "label", "Label"),
        Binding("f6", "camera", "Camera", show=False),
        Binding("f8", "undo", "Undo"),
        Binding("ctrl+z", "undo", "Undo", show=False),
        Binding("f9", "lead", "Lead", show=False),
        Binding("escape", "escape", "Back", show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        services: Services | None,
        *,
        open_services: Callable[[], Services] | None = None,
        idle_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        # ``services`` may come later: the ``floor`` command opens the database (and checks
        # its schema with Alembic, a slow import) in a worker after the first paint, so the
        # screen is up in a fraction of a second; scans that arrive before are queued.
        self.services: Services = services  # type: ignore[assignment]
        self.open_services = open_services
        self.settings = settings
        self.idle_clock = idle_clock
        # The sync relay and label retries run when the station opened its own database
        # (the ``floor`` command); tests that hand in services drive those parts directly.
        self.start_background = open_services is not None
        self.background: BackgroundJobs | None = None
        self.state = "signed_out" if services is not None else "starting"
        self.operator: OperatorInfo | None = None
        self.receive_mode = False
        self.codes: list[str] = []
        self.ident: Identification | None = None
        self.checklist = Checklist(tuple(self.settings.grades.checklist))
        self.note = ""
        self.note_mode = False
        self.last: DecisionResult | None = None
        self.label_text = ""
        self.answer: Answer | None = None
        self._saved: tuple[str, Answer | None] | None = None
        self._prev_state, self._prev_answer = self.state, self.answer
        self._req = 0
        self._queue: deque[tuple[str, str]] = deque()
        self._last_activity = idle_clock()
        self.camera: Any = None
        grades = self.settings.grades
        keys_by_grade: dict[str, list[str]] = {}
        for k, g in grades.keys.items():
            keys_by_grade.setdefault(g, []).append(k)
        self.grade_keys = tuple((g, "".join(keys_by_grade.get(g, []))) for g in grades.scale)
        used = {g.upper() for g in grades.scale} | {k.upper() for k in grades.keys} | set("NLUH?")
        free = [k for k in TOGGLE_KEYS if k not in used]
        self.toggle_keys = tuple(zip(free, grades.checklist, strict=False))

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="body"):
            with Vertical(id="main"):
                yield AnswerBanner(id="banner")
                yield GradePrompt(id="grade")
                yield ScanInput(burst_ms=self.settings.scanner.burst_ms, id="scan")
            with VerticalScroll(id="side"):
                yield HistoryList(id="history")
                yield Static(id="label-preview")
        yield Footer()

    def on_mount(self) -> None:
        bar = self.query_one(StatusBar)
        bar.hub = f"{self.settings.hub.id} {self.settings.hub.name}"
        bar.database = _db_name(self.settings.database_url())
        self.query_one(GradePrompt).grades = self.grade_keys
        self.query_one(GradePrompt).toggles = self.toggle_keys
        self._enter(self.state)
        self.scan_input.focus()
        self.set_interval(3.0, self.poll_status)
        self.set_interval(1.0, self.check_idle)
        self.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        announce = getattr(self.app, "announce_ready", None)
        if announce is not None:
            announce()
        # Only now open the database: its imports (SQLAlchemy, Alembic) would otherwise
        # compete with the first paint for the interpreter.
        if self.services is None:
            self._open_services_worker()
        else:
            self._services_ready()

    @property
    def scan_input(self) -> ScanInput:
        return self.query_one(ScanInput)

    def on_descendant_blur(self) -> None:
        # The scan field is always the one with focus while this screen is on top.
        self.call_after_refresh(self._refocus)

    def _refocus(self) -> None:
        if self.is_current:
            self.scan_input.focus()

    def on_key(self, event: events.Key) -> None:
        # A key that reached the screen itself found no focused widget (the moment between
        # the first paint and the focus landing, or a focus change): it belongs to the scan
        # field all the same, so the first character of an early scan is not lost.
        if self.focused is None or self.focused is not self.scan_input:
            self.scan_input.on_key(event)

    def on_paste(self, event: events.Paste) -> None:
        if self.focused is not self.scan_input:
            self.scan_input.on_paste(event)

    def on_screen_resume(self) -> None:
        self.scan_input.focus()

    # -- state ---------------------------------------------------------------------------------
    def _show(self, answer: Answer) -> None:
        self.answer = answer
        self.query_one(AnswerBanner).show(answer)
        if answer.loud and self.settings.station.bell:
            self.app.bell()

    def _enter(self, state: str) -> None:
        self.state = state
        scan = self.scan_input
        burst = float(self.settings.scanner.burst_ms)
        prompt = self.query_one(GradePrompt)
        prompt.display = state == "grading"
        if state == "starting":
            scan.set_commands({})
            scan.prompt = "Scan your badge"
            self._show(Answer("idle", "SCAN BADGE", (), "Opening the database…"))
        elif state == "signed_out":
            scan.prompt = "Scan your badge"
            scan.set_commands({"?": burst})
            self._show(Answer("idle", "SCAN BADGE", (), "F1 help"))
        elif state == "grading":
            cmds = {k: burst for g, ks in self.grade_keys for k in (g, *ks)}
            cmds.update({k: burst for k, _ in self.toggle_keys})
            cmds.update({"N": burst, "?": burst})
            scan.set_commands({} if self.note_mode else cmds)
            scan.prompt = "Note" if self.note_mode else "Grade (key) or scan"
            prompt.checklist = self.checklist
            prompt.note = self.note
        elif state == "error":
            scan.set_commands({})
            scan.prompt = "Enter/Esc to continue"
        elif state in ("idle", "decided"):
            scan.set_commands(
                {"U": IDLE_COMMAND_MS, "L": IDLE_COMMAND_MS, "H": IDLE_COMMAND_MS, "?": burst}
            )
            mode = "Receive" if self.receive_mode else "Scan"
            scan.prompt = "Scan label or next unit" if state == "decided" else mode
        else:  # identifying / deciding / working: keys still collect, scans queue
            scan.set_commands({})
        self.query_one(StatusBar).mode = "RECEIVE" if self.receive_mode else ""

    def _fail(self, title: str, reason: str, scan: str | None, kind: str = "") -> None:
        if self.state != "error":
            state = self._prev_state if self.state in BUSY else self.state
            if kind == "identified":
                # The scan could not be identified: it does not join the unit on screen.
                self.codes, self.ident, state = [], None, "idle"
            self._saved = (state, None if kind == "identified" else self._prev_answer)
        self._show(answers.error_answer(title, reason, scan))
        self._enter("error")

    def _acknowledge(self) -> None:
        state, answer = self._saved or ("idle", None)
        self._saved = None
        if self.operator is None:
            state = "signed_out"
        self._enter(state)
        if state != "signed_out":
            self._show(answer or self._ready_answer())
        self._drain()

    def _ready_answer(self) -> Answer:
        if self.receive_mode:
            return Answer("info", "RECEIVE", (), "Scan RMA and/or product · F2 leave receive mode")
        return Answer("idle", "SCAN NEXT UNIT", (), "Scan the RMA or the product")

    def _touch(self) -> None:
        self._last_activity = self.idle_clock()

    # -- input ---------------------------------------------------------------------------------
    @on(ScanInput.Submitted)
    def on_scan_submitted(self, event: ScanInput.Submitted) -> None:
        self._touch()
        if self.note_mode:
            # Hand-typed text is the note; a burst that ended the line is a scan.
            self.note = (self.note + " " + event.typed).strip() if event.typed else self.note
            self.note_mode = False
            self._enter("grading")
            if event.scan:
                self.route_scan(event.scan, event.source)
            return
        text = event.scan if event.scan is not None else event.typed
        if not text:
            if self.state == "error":
                self._acknowledge()
            return
        self.route_scan(text, event.source if event.scan is not None else "typed")

    @on(ScanInput.Command)
    def on_scan_command(self, event: ScanInput.Command) -> None:
        self._touch()
        key = event.key.upper()
        if key == "?":
            self.action_help()
        elif self.state == "grading":
            self._grading_key(key)
        elif self.state in ("idle", "decided"):
            {"U": self.action_undo, "L": self.action_lead, "H": self.action_history}[key]()

    def on_camera_scan(self, message: CameraScan) -> None:
        self._touch()
        self.route_scan(message.text, "camera")

    def _grading_key(self, key: str) -> None:
        if key == "N":
            self.note_mode = True
            self._enter("grading")
            return
        for k, item in self.toggle_keys:
            if key == k:
                self.checklist.toggle(item)
                self.query_one(GradePrompt).checklist = self.checklist
                return
        grade = self.services.station.scale.grade_for_key(key)
        if grade is not None and self.ident is not None:
            self._decide(grade)

    def route_scan(self, text: str, source: str) -> None:
        """Every scan (wedge, paste, typed, camera, caught by a modal) comes through here."""
        if self.state == "error":
            # The error must be acknowledged first; the refused scan stays on screen.
            self.notify("Acknowledge the error first (Enter or Esc)", severity="error")
            if self.settings.station.bell:
                self.app.bell()
            return
        if self.state in BUSY:
            self._queue.append((text, source))
            return
        if self.operator is None:
            self._run("working", "signed_in", text, lambda: self.services.station.sign_in(text))
            return
        try:
            scan = self.services.station.classify(text)
        except Exception as exc:
            from floor_app.tui.work import describe_error

            self._fail(*describe_error(exc), text)
            return
        kind = scan.kind.value
        if kind == "badge":
            self._run("working", "signed_in", text, lambda: self.services.station.sign_in(text))
        elif kind == "label":
            expected = self.last.label_id if self.state == "decided" and self.last else None
            op = self.operator.badge_id
            self._run(
                "working",
                "confirmed",
                text,
                lambda: self.services.station.confirm(text, op, expected_label_id=expected),
            )
        else:
            self._unit_scan(text, kind)

    def _unit_scan(self, text: str, kind: str) -> None:
        ident = self.ident
        if ident is not None and ident.status == "need_product" and len(self.codes) < MAX_CODES:
            same_unit = True  # the RMA came first; this is its product
        else:
            # While grading, the RMA after the product (or the product after the RMA) belongs
            # to the same unit; anything else starts a new unit (the ungraded one is dropped,
            # nothing was saved for it).
            same_unit = (
                self.state == "grading"
                and ident is not None
                and len(self.codes) < MAX_CODES
                and (
                    (kind == "rma" and ident.rma is None)
                    or (kind in ("product", "internal") and ident.gtin is None and ident.rma)
                )
            )
        if self.state == "decided" and self.last and self.last.decision == "fill_backorder":
            self.notify(f"Label {self.last.label_id} not confirmed yet", severity="warning")
        if same_unit:
            self.codes = [*self.codes, text]
        else:
            self.codes = [text]
            self.checklist = Checklist(tuple(self.settings.grades.checklist))
            self.note = ""
        codes = list(self.codes)
        self._run("identifying", "identified", text, lambda: self.services.station.identify(codes))

    def _decide(self, grade: str) -> None:
        assert self.operator is not None
        op = self.operator.badge_id
        codes, check, note = list(self.codes), self.checklist.answered(), self.note
        station = self.services.station
        self._run(
            "deciding",
            "decided",
            None,
            lambda: station.process(codes, grade, op, checklist=check, note=note),
        )

    # -- workers -------------------------------------------------------------------------------
    @work(thread=True, group="open")
    def _open_services_worker(self) -> None:
        assert self.open_services is not None
        try:
            services = self.open_services()
        except Exception as exc:
            code = 2 if _is_bad_input(exc) else 1
            self.app.call_from_thread(self._startup_failed, str(exc), code)
            return
        self.post_message(WorkDone("open", services))

    def _startup_failed(self, message: str, code: int) -> None:
        # Printed by the ``floor`` command after the terminal is restored (exit status 2
        # for a database that is not initialised, as for every command).
        self.app.exit_message = message  # type: ignore[attr-defined]
        self.app.exit(return_code=code)

    def _done_open(self, services: Services, scan: str | None) -> None:
        self.services = services
        self._services_ready()

    def _services_ready(self) -> None:
        if self.state == "starting":
            self._enter("signed_out")
        if self.background is None and self.start_background:
            from floor_app.services.background import BackgroundJobs

            self.background = BackgroundJobs(self.services)
            self.background.start()
        self.poll_status()

    def on_unmount(self) -> None:
        if self.background is not None:
            self.background.stop(timeout=1.0)

    def _run(self, state: str, kind: str, scan: str | None, call: Callable[[], Any]) -> None:
        self._req += 1
        self._prev_state, self._prev_answer = self.state, self.answer
        self._enter(state)
        self._call(kind, scan, call, self._req)

    @work(thread=True, group="station")
    def _call(self, kind: str, scan: str | None, call: Callable[[], Any], req: int) -> None:
        try:
            result = call()
        except Exception as exc:
            from floor_app.tui.work import describe_error

            title, reason = describe_error(exc)
            self.post_message(WorkFailed(kind, title, reason, scan=scan, req=req))
            return
        self.post_message(WorkDone(kind, result, scan=scan, req=req))

    def on_work_failed(self, message: WorkFailed) -> None:
        self._fail(message.title, message.reason, message.scan, message.kind)

    def on_work_done(self, message: WorkDone) -> None:
        handler = getattr(self, f"_done_{message.kind}")
        handler(message.result, message.scan)
        if self.state != "error":
            self._drain()

    def _drain(self) -> None:
        if self._queue and self.state not in BUSY and self.state != "error":
            text, source = self._queue.popleft()
            self.route_scan(text, source)

    def _done_signed_in(self, op: OperatorInfo, scan: str | None) -> None:
        self.operator = op
        self.codes, self.ident, self.last = [], None, None
        role = " (lead)" if op.role == "lead" else ""
        self.query_one(StatusBar).operator = f"{op.badge_id}{role}"
        self._enter("idle")
        who = f"{op.name} " if op.name else ""
        self._show(Answer("ok", "SIGNED IN", (("Operator", f"{who}{op.badge_id}{role}"),)))
        self.load_history()

    def _done_identified(self, ident: Identification, scan: str | None) -> None:
        self.ident = ident
        if self.receive_mode and ident.status != "need_product":
            assert self.operator is not None
            op, codes = self.operator.badge_id, list(self.codes)
            self._run("working", "received", scan, lambda: self.services.station.receive(codes, op))
            return
        answer = answers.identification_answer(ident)
        self._enter("idle" if ident.status == "need_product" else "grading")
        self._show(answer)

    def _done_received(self, result: Any, scan: str | None) -> None:
        self.codes, self.ident = [], None
        self._enter("idle")
        self._show(answers.receive_answer(result))

    def _done_decided(self, result: DecisionResult, scan: str | None) -> None:
        self.last = result
        self.codes, self.ident = [], None
        self._enter("decided")
        self._show(answers.decision_answer(result))
        # The answer paints first; the label, history and status work (database writes
        # in threads that compete for the interpreter) start once it is on screen.
        self.call_after_refresh(self._after_decision, result)

    def _after_decision(self, result: DecisionResult) -> None:
        self.send_label(result)
        self.load_history()
        self.poll_status()

    def _done_confirmed(self, result: Any, scan: str | None) -> None:
        self.last = None
        self._enter("idle")
        self._show(answers.confirm_answer(result))
        self.load_history()

    def _done_undone(self, result: Any, scan: str | None) -> None:
        self.last = None
        self.codes, self.ident = [], None
        self._enter("idle")
        self._show(answers.undo_answer(result))
        self.load_history()


def _db_name(url: str) -> str:
    """What the header shows of the database: a SQLite file's name, else the URL without
    its password (parsed by hand: SQLAlchemy is not imported before the first paint)."""
    if url.startswith("sqlite"):
        from pathlib import Path

        return Path(url.split("///", 1)[-1] or ":memory:").name
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def _is_bad_input(exc: BaseException) -> bool:
    return type(exc).__name__ == "BadInput"
