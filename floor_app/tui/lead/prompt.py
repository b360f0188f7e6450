"""A one-line question for the lead (a void reason, how an exception was cleared, a path)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PromptModal(ModalScreen[str | None]):
    """Enter answers (an empty answer is refused), Esc cancels."""

    DEFAULT_CSS = """
    PromptModal { align: center middle; }
    PromptModal > Vertical {
        width: 80%; max-width: 100; height: auto; padding: 1 2;
        border: thick $accent; background: $surface;
    }
    PromptModal #prompt-hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, *, value: str = "", hint: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.hint = hint or "Enter to confirm, Esc to cancel"

    def compose(self) -> ComposeResult:
        with Vertical():
            # markup=False: the question may quote outside text (ids, names).
            yield Label(self.question, id="prompt-question", markup=False)
            yield Input(value=self.value, id="prompt-input")
            yield Label(self.hint, id="prompt-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        answer = event.value.strip()
        if not answer:
            self.notify("An answer is needed (Esc cancels)", severity="warning")
            return
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(None)
