"""Regenerate ``docs/screenshots/lead-*.png`` (run this file with .venv/bin/python).

Runs the lead app with Pilot on a throwaway copy of the tests' known hub state (clock
stopped at its NOW), saves an SVG of each tab and converts it to PNG with headless
Chromium (Debian ``chromium``, in the Makefile's APT_PACKAGES).
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

SHOTS = [
    ("lead-inspect-next", "1", "inspect"),
    ("lead-expected", "2", "expected"),
    ("lead-awaiting-confirm", "3", "awaiting"),
    ("lead-exceptions", "4", "exceptions"),
    ("lead-backorders", "5", "backorders"),
    ("lead-numbers", "6", "numbers"),
]
SIZE = (150, 32)


def to_png(svg: Path, png: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium not found: run `make setup`")
    match = re.search(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', svg.read_text(encoding="utf-8"))
    assert match is not None, "no viewBox in the SVG"
    width, height = (math.ceil(float(v)) for v in match.groups())
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--hide-scrollbars",
             f"--screenshot={png}", f"--window-size={width},{height}", svg.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip


async def shoot(name: str, key: str, tab: str) -> Path:
    from lead_hubstate import NOW, seed

    from floor_app.config import Settings
    from floor_app.services.context import Services
    from floor_app.store import migrate
    from floor_app.store.engine import Database
    from floor_app.tui.lead.app import LeadApp
    from floor_app.tui.lead.numbers import NumbersPane
    from floor_app.tui.lead.table import QueueTable

    tmp = Path(tempfile.mkdtemp(prefix="floor-lead-shot-"))
    try:
        settings = Settings(base_dir=tmp)
        settings.database.url = f"sqlite:///{tmp / 'hub.sqlite'}"
        db = Database(settings.database_url())
        migrate.upgrade(db.engine)
        seed(db)
        services = Services.open(settings, db=db, clock=lambda: NOW)
        app = LeadApp(services, operator="L1")
        async with app.run_test(size=SIZE) as pilot:

            async def wait(cond: Any) -> None:
                for _ in range(200):
                    if cond():
                        return
                    await pilot.pause(0.05)
                raise RuntimeError(f"{name}: the tab never loaded")

            await wait(lambda: len(app.screen.query("#table-inspect")) == 1)
            first = app.screen.query_one("#table-inspect", QueueTable)
            await wait(lambda: first.row_count > 0)
            await pilot.press(key)
            if tab == "numbers":
                await wait(lambda: app.screen.query_one(NumbersPane).numbers is not None)
            else:
                table = app.screen.query_one(f"#table-{tab}", QueueTable)
                await wait(lambda: table.row_count > 0)
            # Let the tables size their columns to the rows (DataTable widens them on the
            # next layout) before the shot, or cells show cut at the header's width.
            app.screen.refresh(layout=True)
            await pilot.pause(1.0)
            svg = app.export_screenshot(title=f"Floor - {name}")
        services.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    svg_path = OUT / f"{name}.svg"
    svg_path.write_text(svg, encoding="utf-8")
    png = OUT / f"{name}.png"
    to_png(svg_path, png)
    svg_path.unlink()
    return png


async def main() -> None:
    for name, key, tab in SHOTS:
        print(await shoot(name, key, tab))


if __name__ == "__main__":
    asyncio.run(main())
