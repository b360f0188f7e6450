"""The station's actions in Textual's command palette (Ctrl+P)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

ACTIONS = (
    ("Undo last decision", "undo", "Reverse your last decision (within the undo window)"),
    ("History: my last units", "history", "The units you decided most recently"),
    ("Toggle receive-only mode", "receive_mode", "Bulk intake: scan units into the pile"),
    ("Show last label", "label", "The last relabel instruction as text"),
    ("Sign out", "sign_out", "End your session at this station"),
    ("Lead screens", "lead", "Queues, exceptions and voids (lead badge)"),
    ("Toggle camera scanner", "camera", "Use the camera as a scanner"),
    ("Help: keys", "help", "Every key the station answers to"),
    ("Toggle high-contrast theme", "app.toggle_contrast", "Switch the colour theme"),
)


class StationCommands(Provider):
    """Station actions by name; each runs the same action as its key."""

    def _run(self, action: str) -> None:
        from floor_app.tui.screens.station import StationScreen

        if action.startswith("app."):
            getattr(self.app, f"action_{action[4:]}")()
            return
        station = next(
            (s for s in reversed(self.app.screen_stack) if isinstance(s, StationScreen)), None
        )
        if station is not None:
            getattr(station, f"action_{action}")()

    async def discover(self) -> Hits:
        for name, action, help_text in ACTIONS:
            yield DiscoveryHit(name, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in ACTIONS:
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(name), partial(self._run, action), help=help_text
                )
