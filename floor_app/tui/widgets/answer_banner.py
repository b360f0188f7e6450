"""The answer: one large, colour-coded banner the worker reads in under a second."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from floor_app.tui.answers import Answer
from floor_app.tui.bigtext import wrap_big

TONE_CLASSES = ("fill", "restock", "amber", "grey", "hold", "error", "ok", "info", "hot", "idle")


class AnswerBanner(Widget):
    """Shows an :class:`Answer`: the headline in big letters when it fits, then its rows."""

    DEFAULT_CSS = """
    AnswerBanner {
        height: auto;
        min-height: 5;
        padding: 0 1;
    }
    """

    answer: reactive[Answer | None] = reactive(None, layout=True)

    def show(self, answer: Answer) -> None:
        self.answer = answer

    def watch_answer(self, answer: Answer | None) -> None:
        self.remove_class(*(f"-{t}" for t in TONE_CLASSES))
        if answer is not None:
            self.add_class(f"-{answer.tone}")

    def render(self) -> RenderableType:
        a = self.answer
        if a is None:
            return Text("")
        width = max(10, self.content_region.width or self.size.width - 2)
        parts: list[RenderableType] = []
        big = wrap_big(a.headline, width)
        if big is None:
            parts.append(Text(a.headline, style="bold", justify="center"))
        else:
            for rows in big:
                parts.append(Text("\n".join(rows), style="bold", justify="center", no_wrap=True))
        label_w = max((len(k) for k, _ in a.lines), default=0) + 1
        for key, value in a.lines:
            line = Text(f"{key:<{label_w}} ", style="bold")
            line.append(value)
            parts.append(line)
        if a.footer:
            parts.append(Text(a.footer, style="italic"))
        return Group(*parts)
