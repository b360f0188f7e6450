"""End to end: the real ``floor`` in tmux, a scanner burst with byte 0x1d, grade, answer.

A fresh database is created with ``floor init`` and loaded with ``floor import``; the
station runs in a tmux pane (a real pty, the terminal driver and Textual's xterm parser);
``send-keys -H`` types the burst as raw bytes in one write, as a wedge scanner would, and
``capture-pane`` reads the screen back.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FLOOR = str(Path(sys.executable).with_name("floor"))
JACKET_GS1 = "]C10104006381333931" + "10LOT7" + "\x1d" + "21SER001"

CATALOG = """sku,gtin,name,variant,unit_value,min_grade
JKT-RED-M,4006381333931,Rain jacket,Red / M,89.00,
MUG-01,5012345678900,Mug,Blue,9.50,
"""
BACKORDERS = """backorder_id,order_id,sku,qty,min_grade,priority,ordered_at,promised_at,unit_value,\
ship_to_name,ship_to_city,ship_to_postcode
BO-1,ORD-1001,JKT-RED-M,1,B,normal,2026-01-05T10:00:00Z,2026-01-12T10:00:00Z,89.00,\
A. Martin,Lyon,69001
"""


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("FLOOR_")}
    env["TERM"] = "xterm-256color"
    env["HOME"] = str(tmp)
    return env


def _run(args: list[str], tmp: Path) -> str:
    proc = subprocess.run(args, cwd=tmp, env=_env(tmp), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{args}: {proc.stderr}"
    return proc.stdout


@pytest.fixture
def hub_db(tmp_path: Path) -> str:
    (tmp_path / "config.toml").write_text(
        f'[printer]\nkind = "file"\naddress = "{tmp_path / "spool"}"\n', encoding="utf-8"
    )
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    _run([FLOOR, "init", "--db", url], tmp_path)
    (tmp_path / "catalog.csv").write_text(CATALOG, encoding="utf-8")
    (tmp_path / "backorders.csv").write_text(BACKORDERS, encoding="utf-8")
    _run([FLOOR, "import", "catalog", "catalog.csv", "--db", url], tmp_path)
    _run([FLOOR, "import", "backorders", "backorders.csv", "--db", url], tmp_path)
    return url


class Tmux:
    def __init__(self, tmp: Path) -> None:
        self.socket = f"floor-e2e-{uuid.uuid4().hex[:8]}"
        self.tmp = tmp

    def __call__(self, *args: str) -> str:
        proc = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=30,
            env=_env(self.tmp),
        )
        assert proc.returncode == 0, f"tmux {args}: {proc.stderr}"
        return proc.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "station")

    def wait_for(self, test: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if test(text):
                return text
            if time.monotonic() > deadline:
                size = self(
                    "display-message", "-p", "-t", "station", "#{window_width}x#{window_height}"
                )
                pytest.fail(f"timed out waiting for {what}; the {size.strip()} screen was:\n{text}")
            time.sleep(0.1)

    def scan(self, code: str) -> None:
        """The whole code and Enter as raw bytes in one write, like a wedge scanner."""
        self("send-keys", "-t", "station", "-H", *(f"{b:02x}" for b in code.encode()), "0d")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: `make setup` installs it (APT_PACKAGES)")
    t = Tmux(tmp_path)
    yield t
    subprocess.run(["tmux", "-L", t.socket, "kill-server"], capture_output=True, timeout=30)


def test_station_in_tmux_scan_grade_confirm(hub_db: str, tmux: Tmux, tmp_path: Path) -> None:
    tmux(
        "new-session", "-d", "-s", "station", "-x", "100", "-y", "30",
        "-c", str(tmp_path), f"{FLOOR} --db {hub_db}; sleep 30",
    )  # fmt: skip
    tmux.wait_for(lambda s: "Scan your badge" in s, "the sign-in prompt")

    tmux.scan("OP-W7")
    tmux.wait_for(lambda s: "OP-W7" in s and "Scan ›" in s, "the operator in the header")

    tmux.scan(JACKET_GS1)
    # The serial is only right if the GS byte reached the parser (else the lot eats it).
    screen = tmux.wait_for(lambda s: "SER001" in s, "the identified unit")
    assert "JKT-RED-M" in screen and "GRADE" in screen

    tmux("send-keys", "-t", "station", "1")  # one key: grade A
    screen = tmux.wait_for(lambda s: "ORD-1001" in s and "LBL-" in s, "the fill answer")
    assert "Lyon" in screen and "Rain jacket" in screen
    label_id = re.search(r"Label +(LBL-[0-9A-Z]+)", screen)
    assert label_id is not None, screen

    tmux.scan(label_id.group(1))
    tmux.wait_for(lambda s: "Relabel confirmed" in s, "the confirm answer")

    tmux("send-keys", "-t", "station", "C-q")
    tmux.wait_for(lambda s: "Scan" not in s, "the station to exit")

    db = sqlite3.connect(hub_db.removeprefix("sqlite:///"))
    try:
        (status,) = db.execute("SELECT status FROM allocation").fetchone()
        serial, lot = db.execute("SELECT serial, lot FROM unit").fetchone()
    finally:
        db.close()
    assert status == "relabelled"
    assert (serial, lot) == ("SER001", "LOT7")


def test_station_on_an_uninitialised_database_says_run_floor_init(
    tmux: Tmux, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    tmux(
        "new-session", "-d", "-s", "station", "-x", "100", "-y", "30", "-c", str(tmp_path),
        f"{FLOOR} --db {url}; echo EXIT=$?; sleep 30",
    )  # fmt: skip
    screen = tmux.wait_for(lambda s: "EXIT=" in s, "the station to exit")
    assert "EXIT=2" in screen, screen
    assert "floor init" in screen, screen
