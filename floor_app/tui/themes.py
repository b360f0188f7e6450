"""The station's two themes: the default dark one and ``high-contrast`` ([station] theme).

Banner tones use the standard theme colours (success = fill, primary = restock, warning =
amber, error = hold/refused), so any theme keeps the meaning; high contrast pushes them to
pure, saturated colours on black with white or black text.
"""

from __future__ import annotations

from textual.theme import Theme

FLOOR_DARK = Theme(
    name="floor-dark",
    primary="#1e6fd9",
    secondary="#5f6b7a",
    accent="#2bb3c0",
    success="#1f9d55",
    warning="#e0a000",
    error="#d32f2f",
    foreground="#e6e6e6",
    background="#101418",
    surface="#1a2028",
    panel="#26303b",
    dark=True,
)

FLOOR_HIGH_CONTRAST = Theme(
    name="floor-high-contrast",
    primary="#0050ff",
    secondary="#808080",
    accent="#ffff00",
    success="#00c000",
    warning="#ffb000",
    error="#ff0000",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#303030",
    dark=True,
    luminosity_spread=0.0,
    text_alpha=1.0,
)

THEMES = {"default": FLOOR_DARK.name, "high-contrast": FLOOR_HIGH_CONTRAST.name}
