"""The shift lead's screen: queues, backorders at risk and the shift's numbers, in tabs.

Every read and every action runs in a thread worker and comes back as a message; the
visible tab refreshes on a timer, in place. Only a lead opens it: a worker's badge gets
a refusal and nothing else.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, TabbedContent, TabPane

from floor_app.scanning.wedge import visible
from floor_app.tui.lead.numbers import NumbersPane, summary_rows
from floor_app.tui.lead.prompt import PromptModal
from floor_app.tui.lead.specs import TAB_BY_ID, TABLE_LIMIT, TABS
from floor_app.tui.lead.table import QueueTable

#: Seconds between refreshes of the visible tab.
REFRESH_SECONDS = 5.0
#: When set, the screen writes the keys of the first rows it shows to this file: the
#: browser test knows the served app really drew the queue before its screenshot.
READY_FILE_ENV = "FLOOR_LEAD_READY_FILE"
NUMBERS_TAB = "numbers"
#: Seconds between timer refreshes of the numbers tab (F5 refreshes at once).
NUMBERS_REFRESH_SECONDS = 30.0


class Loaded(Message):
    """A tab's rows (plain tuples) and the queue counts, read in a worker."""

    def __init__(self, tab: str, rows: Any, counts: Any, ms: float) -> None:
        super().__init__()
        self.tab, self.rows, self.counts, self.ms = tab, rows, counts, ms


class LoadFailed(Message):
    def __init__(self, tab: str, error: str) -> None:
        super().__init__()
        self.tab, self.error = tab, error


class RoleChecked(Message):
    def __init__(self, ok: bool, reason: str) -> None:
        super().__init__()
        self.ok, self.reason = ok, reason


class ActionDone(Message):
    def __init__(self, text: str, *, error: bool = False) -> None:
        super().__init__()
        self.text, self.error = text, error


def _operator_from_stack(screen: Screen[Any]) -> str | None:
    """The badge signed in on the station underneath, when pushed from it."""
    for s in reversed(screen.app.screen_stack):
        op = getattr(s, "operator", None)
        badge = getattr(op, "badge_id", None)
        if isinstance(badge, str) and badge:
            return badge
    return None


class LeadScreen(Screen[None]):
    """``LeadScreen(services, operator=badge)``; without ``operator``, the badge signed in
    on the station screen below is used."""

    CSS_PATH = Path(__file__).with_name("lead.tcss")
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("slash", "filter", "Filter"),
        Binding("s", "sort", "Sort"),
        Binding("e", "export", "Export CSV"),
        Binding("v", "void", "Void"),
        Binding("r", "reprint", "Reprint"),
        Binding("x", "resolve", "Resolve"),
        Binding("f5", "refresh_now", "Refresh"),
        *(
            Binding(str(i + 1), f"tab('{t}')", show=False)
            for i, t in enumerate([*(s.id for s in TABS), NUMBERS_TAB])
        ),
    ]

    def __init__(self, services: Any, operator: str | None = None) -> None:
        super().__init__()
        self.services = services
        self.operator = operator
        self.allowed = False
        self.last_ms: dict[str, float] = {}
        # Kept across refreshes: they cache the slow, slowly changing parts (the value-at-
        # risk ranking, past days' numbers). Only the one load worker uses them.
        self._queues: Any = None
        self._kpis: Any = None
        self._numbers_at = 0.0

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("Shift lead", id="lead-title")
        yield Static("", id="lead-refused")
        with TabbedContent(initial="inspect", id="lead-tabs"):
            for spec in TABS:
                with TabPane(spec.title, id=spec.id):
                    yield Input(
                        placeholder="filter (/)", id=f"filter-{spec.id}", classes="lead-filter"
                    )
                    yield QueueTable(spec.columns, id=f"table-{spec.id}")
            with TabPane("Numbers", id=NUMBERS_TAB):
                yield NumbersPane(id="numbers-pane")
        yield Static("", id="lead-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#lead-tabs").display = False
        if self.operator is None:
            self.operator = _operator_from_stack(self)
        self._check_role(self.operator)

    # -- role -----------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="lead-role")
    def _check_role(self, operator: str | None) -> None:
        from floor_app.services.queues import QueueService

        if not operator:
            self.post_message(RoleChecked(False, "Sign in with a shift lead's badge first."))
            return
        try:
            role = QueueService.of(self.services).role_of(operator)
        except Exception as exc:  # the database is down: say so, show nothing
            self.post_message(RoleChecked(False, f"Cannot check the badge: {exc}"))
            return
        if role != "lead":
            self.post_message(
                RoleChecked(
                    False,
                    f"{visible(operator, 64)} is not a shift lead: "
                    "these screens open with a lead's badge.",
                )
            )
        else:
            self.post_message(RoleChecked(True, ""))

    def on_role_checked(self, msg: RoleChecked) -> None:
        self.allowed = msg.ok
        if not msg.ok:
            refused = self.query_one("#lead-refused", Static)
            refused.update(Text("NOT ALLOWED\n\n" + msg.reason + "\n\nEsc: back"))
            refused.add_class("shown")
            return
        hub = self.services.settings.hub
        title = Text(f"Shift lead {visible(self.operator or '', 64)}")
        title.append(f"  ·  {visible(hub.name, 60)} ({visible(hub.id, 64)})", style="dim")
        self.query_one("#lead-title", Static).update(title)
        self.query_one("#lead-tabs").display = True
        self.set_interval(REFRESH_SECONDS, self._tick)
        self.action_refresh_now()
        self.query_one("#table-inspect", QueueTable).focus()

    # -- loading --------------------------------------------------------------------------
    @property
    def active_tab(self) -> str:
        return str(self.query_one(TabbedContent).active or "inspect")

    def action_refresh_now(self) -> None:
        if self.allowed:
            self._numbers_at = time.monotonic() if self.active_tab == NUMBERS_TAB else 0.0
            self._load(self.active_tab)

    def _tick(self) -> None:
        # The numbers read a day of decisions: on the timer they refresh less often.
        if self.active_tab == NUMBERS_TAB and time.monotonic() - self._numbers_at < (
            NUMBERS_REFRESH_SECONDS
        ):
            return
        self.action_refresh_now()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.action_refresh_now()
        self._focus_tab(self.active_tab)

    @work(thread=True, exclusive=True, group="lead-load")
    def _load(self, tab: str) -> None:
        from floor_app.services.kpis import KpiService
        from floor_app.services.queues import QueueService

        t0 = time.perf_counter()
        try:
            if self._queues is None:
                self._queues = QueueService.of(self.services)
                self._kpis = KpiService.of(self.services)
            queues = self._queues
            counts = queues.counts()
            if tab == NUMBERS_TAB:
                rows: Any = self._kpis.numbers()
            else:
                spec = TAB_BY_ID[tab]
                rows = [spec.to_row(r) for r in spec.fetch(queues, TABLE_LIMIT)]
        except Exception as exc:
            self.post_message(LoadFailed(tab, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(Loaded(tab, rows, counts, (time.perf_counter() - t0) * 1000))

    @work(thread=True, exclusive=True, group="lead-prewarm")
    def _prewarm(self) -> None:
        """Rank the backorders once in the background: ranking reads every open line, and
        the ranking is then reused (RANK_TTL), so opening that tab does not wait for it."""
        queues = self._queues
        if queues is not None:
            try:
                queues.backorders(TABLE_LIMIT)
            except Exception:  # the next visible load reports database trouble
                return

    def on_loaded(self, msg: Loaded) -> None:
        if not self.last_ms and msg.tab != "backorders":
            self._prewarm()
        self.last_ms[msg.tab] = msg.ms
        tabs = self.query_one(TabbedContent)
        for spec in TABS:
            count = getattr(msg.counts, spec.count_field)
            tabs.get_tab(spec.id).label = f"{spec.title} ({count:,})"
        if msg.tab == NUMBERS_TAB:
            self.query_one(NumbersPane).show(msg.rows)
        else:
            self.query_one(f"#table-{msg.tab}", QueueTable).show(msg.rows)
            ready = os.environ.get(READY_FILE_ENV)
            if ready and msg.rows:
                self.call_after_refresh(
                    Path(ready).write_text, json.dumps([k for k, _ in msg.rows[:20]]), "utf-8"
                )
        self._status(f"refreshed {self.services.clock():%H:%M:%S} in {msg.ms:.0f} ms")

    def on_load_failed(self, msg: LoadFailed) -> None:
        self._status(f"could not refresh: {msg.error}", error=True)

    def _status(self, text: str, *, error: bool = False) -> None:
        table = self._table()
        extra = f"  ·  sort: {table.sort_label()}" if table is not None else ""
        if table is not None and table.filter_text:
            extra += f"  ·  filter: {table.filter_text}"
        line = Text(visible(text, 300) + extra, style="bold red" if error else "")
        self.query_one("#lead-status", Static).update(line)

    def _table(self) -> QueueTable | None:
        tab = self.active_tab
        return self.query_one(f"#table-{tab}", QueueTable) if tab in TAB_BY_ID else None

    # -- navigation, filter, sort ---------------------------------------------------------
    def action_back(self) -> None:
        focused = self.focused
        if isinstance(focused, Input) and focused.has_class("lead-filter"):
            focused.value = ""
            table = self._table()
            if table is not None:
                table.focus()
            return
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.app.exit()

    def action_tab(self, tab: str) -> None:
        if self.allowed:
            # Focus first: TabbedContent follows focus, so a focused table left in the old
            # pane would switch the tabs straight back.
            self._focus_tab(tab)
            self.query_one(TabbedContent).active = tab

    def _focus_tab(self, tab: str) -> None:
        if tab in TAB_BY_ID:
            self.query_one(f"#table-{tab}", QueueTable).focus()
        else:
            self.query_one(NumbersPane).focus()

    def action_filter(self) -> None:
        if self.active_tab in TAB_BY_ID:
            self.query_one(f"#filter-{self.active_tab}", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.has_class("lead-filter"):
            tab = (event.input.id or "").removeprefix("filter-")
            self.query_one(f"#table-{tab}", QueueTable).set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.has_class("lead-filter"):
            table = self._table()
            if table is not None:
                table.focus()

    def action_sort(self) -> None:
        table = self._table()
        if table is not None:
            table.cycle_sort()
            self._status(f"sorted by {table.sort_label()}")

    # -- lead actions ---------------------------------------------------------------------
    def _selected(self, tab: str, what: str) -> tuple[Any, ...] | None:
        if self.active_tab != tab:
            self.notify(f"{what}: go to the {TAB_BY_ID[tab].title} tab", severity="warning")
            return None
        values = self.query_one(f"#table-{tab}", QueueTable).current_values()
        if values is None:
            self.notify(f"{what}: no row selected", severity="warning")
        return values

    def action_void(self) -> None:
        values = self._selected("awaiting", "Void")
        if values is None:
            return
        alloc = str(values[0])

        def done(reason: str | None) -> None:
            if reason:
                self._run(lambda: self._void(alloc, reason))

        self.app.push_screen(PromptModal(f"Void allocation {alloc}: why?"), done)

    def _void(self, alloc: str, reason: str) -> str:
        r = self.services.station.void(alloc, reason, self.operator)
        return (
            f"Voided {r.allocation_id}: {r.backorder_id} has its unit back; pull label {r.label_id}"
        )

    def action_reprint(self) -> None:
        tab = self.active_tab
        values = None
        if tab == "awaiting":
            values = self._selected("awaiting", "Reprint")
            label = values[2] if values else None
        else:
            values = self._selected("exceptions", "Reprint")
            label = values[3] if values else None
        if values is None:
            return
        if not label:
            self.notify("Reprint: this row has no label", severity="warning")
            return
        self._run(lambda: self._reprint(str(label)))

    def _reprint(self, label_id: str) -> str:
        from floor_app.services.printing import PrintService

        s = self.services
        out = PrintService(s.settings, s.db, s.clock).reprint(label_id, self.operator or "")
        if out.sent:
            return f"Label {label_id} sent to the printer"
        from floor_app.services.errors import Refused

        raise Refused(f"label {label_id} not printed: {out.error or out.status}")

    def action_resolve(self) -> None:
        values = self._selected("exceptions", "Resolve")
        if values is None:
            return
        key = str(values[0])

        def done(text: str | None) -> None:
            if text:
                self._run(lambda: self._resolve(key, text))

        self.app.push_screen(PromptModal(f"Resolve {key} ({values[1]}): what was done?"), done)

    def _resolve(self, key: str, text: str) -> str:
        from floor_app.services.queues import QueueService

        QueueService.of(self.services).resolve_exception(key, text, self.operator or "")
        return f"Exception {key} resolved"

    def action_export(self) -> None:
        if not self.allowed:
            return
        tab = self.active_tab
        stamp = self.services.clock().strftime("%Y%m%d-%H%M%S")
        default = str(Path.cwd() / "exports" / f"floor-{tab}-{stamp}.csv")
        if tab == NUMBERS_TAB:
            numbers = self.query_one(NumbersPane).numbers
            headers: list[str] = ["figure", "today", "last_7_days"]
            rows: list[tuple[Any, ...]] = list(summary_rows(numbers)) if numbers else []
        else:
            table = self.query_one(f"#table-{tab}", QueueTable)
            headers = [c.label for c in table.spec]
            rows = table.visible_rows()

        def done(path: str | None) -> None:
            if path:
                self._run(lambda: self._export(path, headers, rows))

        self.app.push_screen(
            PromptModal(f"Export {len(rows)} rows to CSV file:", value=default), done
        )

    def _export(self, path: str, headers: list[str], rows: list[tuple[Any, ...]]) -> str:
        from floor_app.services.queues import export_csv

        target = export_csv(path, headers, rows)
        if self.app.is_web:  # in the browser, also hand the file to the office PC
            self.app.call_from_thread(self.app.deliver_text, target)
        return f"Exported {len(rows)} rows to {target}"

    @work(thread=True, group="lead-action")
    def _run(self, call: Any) -> None:
        from floor_app.tui.work import describe_error

        try:
            text = call()
        except Exception as exc:
            title, reason = describe_error(exc)
            self.post_message(ActionDone(f"{title}: {reason}", error=True))
            return
        self.post_message(ActionDone(text))

    def on_action_done(self, msg: ActionDone) -> None:
        # markup=False: ids and reasons may carry outside text.
        self.notify(
            visible(msg.text, 300), severity="error" if msg.error else "information", markup=False
        )
        self._status(msg.text, error=msg.error)
        self.action_refresh_now()
