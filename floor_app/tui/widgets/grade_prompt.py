"""The grading line: which key grades what, the checklist toggles and the note."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from floor_app.scanning.wedge import visible
from floor_app.tui.answers import Checklist


class GradePrompt(Widget):
    DEFAULT_CSS = """
    GradePrompt {
        height: auto;
        padding: 0 1;
    }
    """

    #: (grade, extra keys) in scale order, e.g. [("A", "1"), ("B", "2")].
    grades: reactive[tuple[tuple[str, str], ...]] = reactive(())
    #: (key, item) for each checklist item.
    toggles: reactive[tuple[tuple[str, str], ...]] = reactive(())
    checklist: reactive[Checklist | None] = reactive(None, always_update=True)
    note: reactive[str] = reactive("")

    def render(self) -> Text:
        t = Text()
        t.append("GRADE ", style="bold")
        for grade, keys in self.grades:
            t.append(f" {grade}", style="bold")
            if keys:
                t.append(f"/{keys}")
            t.append("  ")
        t.append("  Esc cancel", style="dim")
        if self.toggles and self.checklist is not None:
            t.append("\nCHECK ", style="bold")
            for key, item in self.toggles:
                mark = self.checklist.mark(item)
                style = "bold red" if mark == "✗" else ("bold green" if mark == "✓" else "")
                t.append(f" {key}:", style="bold")
                t.append(f"{item.replace('_', ' ')} ")
                t.append(mark, style=style)
                t.append(" ")
        t.append("\nNOTE ", style="bold")
        t.append("(N) ", style="dim")
        t.append(visible(self.note, 60) if self.note else "—")
        return t
