"""Regenerate the station screenshots: ``.venv/bin/python docs/screenshots/make_screenshots.py``.

Runs the real app with Pilot on a throwaway database (the tiny hub of the TUI tests, fixed
clock and ids), saves an SVG of each main state and converts it to PNG with headless
Chromium (in the Makefile's APT_PACKAGES), else rsvg-convert (Debian ``librsvg2-bin``).
"""

from __future__ import annotations

import asyncio
import math
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests" / "tui"))


def _services(tmp: Path) -> Any:
    import tui_support
    from tui_support import FakeClock, seed_tiny_hub

    from floor_app.config import Settings
    from floor_app.services.context import Services
    from floor_app.store import migrate
    from floor_app.store.engine import Database

    settings = Settings(base_dir=tmp)
    settings.database.url = f"sqlite:///{tmp / 'hub.sqlite'}"
    settings.printer.address = str(tmp / "spool")
    settings.roster.leads = ["OP-L1"]
    db = Database(settings.database_url())
    migrate.upgrade(db.engine)
    seed_tiny_hub(db)

    class _Patch:
        def setattr(self, obj: Any, name: str, value: Any) -> None:
            setattr(obj, name, value)

    tui_support.fixed_ids(_Patch())
    return Services.open(settings, db=db, clock=FakeClock())


async def _shoot(name: str, size: tuple[int, int], steps: Any, theme: str = "default") -> Path:
    from tui_support import FakeMonotonic

    from floor_app.tui.app import make_app

    tmp = Path(tempfile.mkdtemp(prefix="floor-shot-"))
    try:
        services = _services(tmp)
        services.settings.station.theme = theme
        app = make_app(services, idle_clock=FakeMonotonic())
        async with app.run_test(size=size) as pilot:
            await steps(pilot)
            svg = app.export_screenshot(title=f"Floor - {name}")
        services.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    svg_path = OUT / f"{name}.svg"
    svg_path.write_text(svg, encoding="utf-8")
    png = OUT / f"{name}.png"
    _to_png(svg_path, png)
    svg_path.unlink()
    return png


def _to_png(svg: Path, png: Path) -> None:
    """Chromium renders Rich's SVG faithfully (rsvg-convert drops leading spaces of text
    runs); rsvg-convert is the fallback where there is no Chromium."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        subprocess.run(["rsvg-convert", "-o", str(png), str(svg)], check=True)
        return
    match = re.search(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', svg.read_text(encoding="utf-8"))
    assert match is not None, "no viewBox in the SVG"
    width, height = (math.ceil(float(v)) for v in match.groups())
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--screenshot={png}", f"--window-size={width},{height}", svg.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


async def main() -> None:
    from tui_support import JACKET_GS1, MUG_EAN, UNKNOWN_EAN, WORKER, burst, press_alone

    async def signed_out(p: Any) -> None:
        await p.pause()

    async def grading(p: Any) -> None:
        await burst(p, WORKER)
        await burst(p, JACKET_GS1)

    async def fill(p: Any) -> None:
        await grading(p)
        await press_alone(p, "1")

    async def restock(p: Any) -> None:
        await burst(p, WORKER)
        await burst(p, MUG_EAN)
        await press_alone(p, "2")

    async def error(p: Any) -> None:
        await fill(p)
        await burst(p, "LBL-WRONG0LABEL00")

    async def hold(p: Any) -> None:
        await burst(p, WORKER)
        await burst(p, UNKNOWN_EAN)
        await press_alone(p, "3")

    async def receive_hot(p: Any) -> None:
        await burst(p, WORKER)
        await p.press("f2")
        await burst(p, JACKET_GS1)

    async def help_screen(p: Any) -> None:
        await burst(p, WORKER)
        await p.press("f1")
        await p.pause()

    shots = [
        ("station-receive-hot-80x24", (80, 24), receive_hot, "default"),
        ("station-help-80x24", (80, 24), help_screen, "default"),
        ("station-signed-out-80x24", (80, 24), signed_out, "default"),
        ("station-grading-80x24", (80, 24), grading, "default"),
        ("station-fill-80x24", (80, 24), fill, "default"),
        ("station-fill-120x40", (120, 40), fill, "default"),
        ("station-restock-120x40", (120, 40), restock, "default"),
        ("station-wrong-label-80x24", (80, 24), error, "default"),
        ("station-hold-high-contrast-80x24", (80, 24), hold, "high-contrast"),
    ]
    for name, size, steps, theme in shots:
        print(await _shoot(name, size, steps, theme))


if __name__ == "__main__":
    asyncio.run(main())
