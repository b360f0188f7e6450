"""Station start to ready-to-scan, and key-to-banner time for scans on a large database.

1. **Startup**: the real ``floor --db ...`` started in a pseudo-terminal, until the station
   screen has painted with the scan field focused (the app writes ``FLOOR_READY_FILE`` and,
   with ``FLOOR_EXIT_WHEN_READY=1``, exits). Baseline in the same run: a bare Textual app
   (one ``Static``) started the same way. Budget: under 1 s.
2. **Key to banner**, in-process with Pilot on the large hub database of the decide-latency
   benchmark (``bench/_bigdb.py``: 1,000,000 units, 200,000 open lines; a private copy,
   since decisions write): from the Enter that ends a scanner burst to the identification banner
   being rendered, and from a grade key to the decision banner being rendered. The grade
   key first waits ``[scanner] burst_ms`` (35 ms by default) to be sure it is not the first
   character of a scan; that wait is reported apart. Baseline: the same Pilot key round
   trip on a screen that does no work.

Run: ``.venv/bin/python bench/startup.py [--runs N] [--scans N] [--small]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pty
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
FLOOR = str(Path(sys.executable).with_name("floor"))

BARE_APP = """
import os, time
from pathlib import Path
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("ready")
    def on_mount(self):
        self.call_after_refresh(self.done)
    def done(self):
        Path(os.environ["FLOOR_READY_FILE"]).write_text(f"{time.time():.6f}")
        self.exit()

Bare().run()
"""


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def time_to_ready(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Seconds from just before spawning ``cmd`` (in a pty) to its ready file."""
    ready = cwd / "ready.txt"
    ready.unlink(missing_ok=True)
    env = {**env, "FLOOR_READY_FILE": str(ready), "FLOOR_EXIT_WHEN_READY": "1"}
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    t0 = time.time()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    try:
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                os.read(master, 65536)  # keep the pty drained so the app never blocks
            except (BlockingIOError, OSError):
                time.sleep(0.002)
        if proc.poll() is None:
            proc.kill()
            raise RuntimeError(f"{cmd[0]} did not become ready in 30 s")
    finally:
        os.close(master)
    if not ready.exists():
        raise RuntimeError(f"{cmd} exited ({proc.returncode}) without the ready file")
    return float(ready.read_text()) - t0


def bench_startup(runs: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="floor-startup-"))
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLOOR_")}
        env["TERM"] = "xterm-256color"
        url = f"sqlite:///{tmp / 'hub.sqlite'}"
        subprocess.run([FLOOR, "init", "--db", url], cwd=tmp, env=env, check=True,
                       capture_output=True)  # fmt: skip
        (tmp / "bare.py").write_text(BARE_APP)
        station_cmd = [FLOOR, "--db", url]
        bare_cmd = [sys.executable, str(tmp / "bare.py")]
        time_to_ready(station_cmd, tmp, env)  # warm the file cache for both
        time_to_ready(bare_cmd, tmp, env)
        station, bare = [], []
        for _ in range(runs):  # interleaved, so load changes hit both alike
            station.append(time_to_ready(station_cmd, tmp, env))
            bare.append(time_to_ready(bare_cmd, tmp, env))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    st, ba = statistics.median(station), statistics.median(bare)
    print(f"startup to ready-to-scan ({runs} runs, in a pty)")
    print(f"  floor station   median {st * 1000:7.0f} ms   max {max(station) * 1000:7.0f} ms")
    print(f"  bare Textual    median {ba * 1000:7.0f} ms   max {max(bare) * 1000:7.0f} ms")
    print(f"  ratio {st / ba:.2f}   budget 1000 ms: {'OK' if st < 1.0 else 'OVER'}")


async def _key_to_banner(db_path: Path, scans: int, codes: list[str]) -> dict[str, list[float]]:
    sys.path.insert(0, str(ROOT / "tests" / "tui"))
    from tui_support import burst, key_event, settle

    from floor_app.config import Settings
    from floor_app.services.context import Services
    from floor_app.store.engine import Database
    from floor_app.tui.app import make_app
    from floor_app.tui.widgets.answer_banner import AnswerBanner

    settings = Settings(base_dir=db_path.parent)
    settings.database.url = f"sqlite:///{db_path}"
    settings.printer.address = str(db_path.parent / "spool")
    services = Services.open(settings, db=Database(settings.database_url()))
    out: dict[str, list[float]] = {
        "scan": [], "grade": [], "wait": [], "baseline": [], "identify": [], "process": []
    }  # fmt: skip
    station_service = services.station

    def timed(name: str) -> Any:
        # Time the service call itself, so the report can say what the screen adds.
        call = getattr(station_service, name)

        def wrapper(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return call(*a, **k)
            finally:
                out[name].append((time.perf_counter() - t) * 1000)

        return wrapper

    for name in ("identify", "process"):
        setattr(station_service, name, timed(name))
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        banner = app.screen.query_one(AnswerBanner)
        rendered: list[tuple[float, Any]] = []
        waiting: dict[str, Any] = {}
        original = banner.render

        def render() -> Any:
            # Stamp the render that first shows the awaited answer; wake the bench (no
            # busy polling on the app's own event loop).
            now = time.perf_counter()
            rendered.append((now, banner.answer))
            pred, done, answer = waiting.get("pred"), waiting.get("done"), banner.answer
            ready = pred is not None and done is not None and not done.is_set()
            if ready and answer is not None and pred(answer):
                waiting["at"] = now
                done.set()
            return original()

        banner.render = render  # type: ignore[method-assign]
        await burst(pilot, "OP-BENCH")

        def expect(pred: Any) -> asyncio.Event:
            done = asyncio.Event()
            waiting.update(pred=pred, done=done, at=None)
            return done

        async def until(done: asyncio.Event, t0: float) -> float:
            await asyncio.wait_for(done.wait(), 30)
            return float(waiting["at"] - t0) * 1000

        station = app.station
        for code in codes[:scans]:
            rendered.clear()
            done = expect(lambda a: "GRADE" in a.headline)
            for ch in [*code, "\r"]:
                ev = key_event(ch)
                ev.set_sender(app)
                app._driver.send_message(ev)
            enter_at = time.perf_counter()
            out["scan"].append(await until(done, enter_at))
            await settle(pilot, 1)
            if station.state != "grading":
                raise RuntimeError(f"{code}: not gradable: {banner.answer}")
            rendered.clear()
            done = expect(lambda a: a.tone not in ("hot", "info"))
            t0 = time.perf_counter()
            await pilot.press("c")
            # The key is held for burst_ms before it counts: measure that wait apart.
            wait = settings.scanner.burst_ms
            total = await until(done, t0)
            out["grade"].append(total - wait)
            out["wait"].append(wait)
            await settle(pilot, 1)
            # A worker peels and applies the label before the next unit (seconds, not
            # milliseconds): give this unit's label, history and status work that time,
            # or the next scan would queue behind it for the write lock.
            await pilot.pause(0.3)
        # Baseline: a key round trip through Pilot to a repaint that does no work.
        for _ in range(scans):
            done = expect(lambda a: True)
            t0 = time.perf_counter()
            banner.refresh()
            out["baseline"].append(await until(done, t0))
    services.close()
    return out


def bench_key_to_banner(scans: int, small: bool) -> None:
    import random
    import sqlite3

    from bench import _bigdb

    src, _ = _bigdb.ensure(quick=small)
    shape = _bigdb.QUICK if small else _bigdb.FULL
    tmp = Path(tempfile.mkdtemp(prefix="floor-k2b-"))
    db = _bigdb.working_copy(src, tmp / "hub.sqlite")
    try:
        con = sqlite3.connect(db)
        units, lines = (con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                        for t in ("unit", "backorder_line"))  # fmt: skip
        con.close()
        # The EAN-13 printed on random SKUs of the catalogue: what a worker scans.
        picks = random.Random(3).sample(range(shape.skus), scans)
        codes = [_bigdb.ean_of(i) for i in picks]
        out = asyncio.run(_key_to_banner(db, scans, codes))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    base = statistics.median(out["baseline"])
    print(f"key to banner ({scans} scans; {units:,} units, {lines:,} backorder lines)")
    for name, label in (("scan", "Enter of a scan -> unit on screen"),
                        ("grade", "grade key -> decision on screen (after the wait)")):  # fmt: skip
        v = out[name]
        print(f"  {label:<50} p50 {pct(v, 50):6.1f} ms  p99 {pct(v, 99):6.1f} ms  "
              f"ratio p50/baseline {pct(v, 50) / base:5.1f}")  # fmt: skip
        svc = out["identify" if name == "scan" else "process"]
        print(f"    of which the service call (worker thread)        p50 {pct(svc, 50):6.1f} ms  "
              f"p99 {pct(svc, 99):6.1f} ms")  # fmt: skip
    print(f"  grade key burst wait ([scanner] burst_ms)          {out['wait'][0]:6.1f} ms")
    print(f"  baseline: repaint round trip                       p50 {base:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--scans", type=int, default=200)
    parser.add_argument("--small", action="store_true", help="the 100,000-unit database")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    bench_startup(args.runs)
    bench_key_to_banner(args.scans, args.small)


if __name__ == "__main__":
    main()
