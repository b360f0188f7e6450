"""A small app that opens on the lead's screens: what ``floor serve`` runs per browser.

The browser view has its own access token; the person at the office PC still signs in
with a lead's badge, so every void or resolution carries who did it.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from floor_app.scanning.wedge import visible
from floor_app.tui.lead.screen import LeadScreen


class SignedIn(Message):
    def __init__(self, badge: str | None, error: str = "") -> None:
        super().__init__()
        self.badge, self.error = badge, error


class LeadSignIn(Screen[None]):
    DEFAULT_CSS = """
    LeadSignIn { align: center middle; }
    LeadSignIn > Vertical { width: 70; height: auto; padding: 1 2; border: thick $accent; }
    LeadSignIn #signin-error { color: $error; }
    """
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit")]

    def __init__(self, services: Any) -> None:
        super().__init__()
        self.services = services

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Floor - {visible(self.services.settings.hub.name, 60)}", markup=False)
            yield Label("Scan or type a shift lead's badge, then Enter")
            yield Input(id="signin-badge", password=False)
            yield Static("", id="signin-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._sign_in(event.value)

    @work(thread=True, exclusive=True)
    def _sign_in(self, text: str) -> None:
        from floor_app.tui.work import describe_error

        try:
            info = self.services.station.sign_in(text)
        except Exception as exc:
            self.post_message(SignedIn(None, ": ".join(describe_error(exc))))
            return
        self.post_message(SignedIn(info.badge_id))

    def on_signed_in(self, msg: SignedIn) -> None:
        if msg.badge is None:
            self.query_one("#signin-error", Static).update(Text(visible(msg.error, 200)))
            self.query_one(Input).value = ""
            return
        self.app.push_screen(LeadScreen(self.services, operator=msg.badge))
        self.query_one(Input).value = ""


class LeadApp(App[None]):
    TITLE = "Floor - shift lead"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True, show=False)]

    def __init__(self, services: Any, *, operator: str | None = None) -> None:
        super().__init__()
        self.services = services
        self.operator = operator

    def on_mount(self) -> None:
        self.push_screen(LeadSignIn(self.services))
        if self.operator:
            self.push_screen(LeadScreen(self.services, operator=self.operator))


def make_lead_app(services: Any, *, operator: str | None = None) -> LeadApp:
    return LeadApp(services, operator=operator)
