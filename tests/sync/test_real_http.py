"""The real HTTP path: a uvicorn HQ on loopback, `floor sync` as a command and as a
process killed mid-push, an HQ killed and restarted mid-push, HTTPS certificates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sync_http import ServerThread, free_port
from sync_world import HQ_TOKENS, World

from floor_app.cli import main
from floor_app.config import PROJECT_ROOT
from floor_app.store import migrate
from floor_app.sync import state
from floor_app.sync.client import FatalError, HQClient
from floor_app.sync.hq import tables as t
from floor_app.sync.retry import Backoff
from floor_app.sync.worker import sync_round

TOKEN_ENV = "FLOOR_TEST_HQ_TOKEN"


def _config(world: World, hub_id: str, url: str, batch_size: int = 500) -> Path:
    hub = world.hubs[hub_id]
    path = world.tmp / f"{hub_id}.toml"
    path.write_text(
        f'[hub]\nid = "{hub_id}"\n[database]\nurl = "{hub.settings.database_url()}"\n'
        f'[sync]\nhq_url = "{url}"\ntoken_env = "{TOKEN_ENV}"\nbatch_size = {batch_size}\n'
        '[roster]\nleads = ["LEAD"]\n'
    )
    return path


def _real_hub(world: World, hub_id: str, url: str) -> None:
    hub = world.add_hub(hub_id, base_url=url, transport=httpx.HTTPTransport())
    # `floor sync` refuses a database behind the code's schema; colleagues add migrations
    # while a long session runs, so bring the copied template up to head first.
    if not migrate.is_current(hub.db.engine):
        migrate.upgrade(hub.db.engine)


def _fill_some(world: World, hub_id: str, n: int) -> None:
    hub = world.hubs[hub_id]
    for i in range(n):
        world.process(hub, i % len(world.skus))


def _finish(world: World) -> None:
    world.heal()
    world.check_exactly_once()
    world.check_no_double_fill()
    world.check_converged()


def test_floor_sync_offline_then_catch_up(world: World, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import random

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    _real_hub(world, "HUB-A", url)
    world.seed(random.Random(5), skus=3, lines=6)
    cfg = _config(world, "HUB-A", url)
    monkeypatch.setenv(TOKEN_ENV, HQ_TOKENS["HUB-A"])
    with ServerThread(world.app, port=port):
        assert main(["sync", "--once", "--config", str(cfg)]) == 0
    # HQ is down: the station keeps working, sync says so and exits 1.
    _fill_some(world, "HUB-A", 6)
    assert main(["sync", "--once", "--attempts", "2", "--config", str(cfg)]) == 1
    hub = world.hubs["HUB-A"]
    with hub.db.read() as s:
        assert state.get(s, state.SYNC_ONLINE) == "0"
        assert "ConnectError" in state.get(s, state.SYNC_ERROR)
    assert world.unsynced(hub) > 0
    capsys.readouterr()
    with ServerThread(world.app, port=port):
        assert main(["sync", "--once", "--json", "--config", str(cfg)]) == 0
        out = capsys.readouterr().out
        assert '"ok":true' in out
        _finish(world)
    with hub.db.read() as s:
        assert state.get(s, state.SYNC_ONLINE) == "1"


def _hq_process(hq_url: str, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "floor_app", "hq", "serve", "--hq-db", hq_url, "--port", str(port)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise AssertionError("HQ did not come up")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_hq_killed_and_restarted_mid_push(backend: str, request, fast_dir: Path,  # type: ignore[no-untyped-def]
                                         _migrated_sqlite: Path) -> None:  # fmt: skip
    import random

    hq_url = request.getfixturevalue("pg_hq_url" if backend == "postgres" else "hq_url")
    world = World(fast_dir, hq_url, _migrated_sqlite)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    try:
        _real_hub(world, "HUB-A", url)
        world.seed(random.Random(9), skus=3, lines=30, max_qty=2)
        hq = _hq_process(hq_url, port)
        _wait_up(url)
        world.hubs["HUB-A"].sync(world.clock)
        _fill_some(world, "HUB-A", 30)
        hub = world.hubs["HUB-A"]
        errors: list[BaseException] = []

        def push() -> None:
            try:
                sync_round(hub.db, hub.client, hub_id="HUB-A", batch_size=3, clock=world.clock,
                           backoff=Backoff(base=0.05, cap=0.3))  # fmt: skip
            except BaseException as exc:  # reported below
                errors.append(exc)

        worker = threading.Thread(target=push)
        worker.start()
        deadline = time.monotonic() + 30
        while world.hq_last_seq("HUB-A") < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(hq.pid, signal.SIGKILL)  # mid-push: the relay now sees refused connections
        hq.wait()
        at_kill = world.hq_last_seq("HUB-A")
        assert 0 < at_kill < world.unsynced(hub) + hub.pushed_seq(), "kill came too late"
        time.sleep(0.5)
        hq = _hq_process(hq_url, port)
        try:
            worker.join(60)
            assert not worker.is_alive() and not errors, errors
            _finish(world)
        finally:
            hq.kill()
            hq.wait()
    finally:
        world.close()


@pytest.mark.slow
def test_hub_killed_mid_push(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import random

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    _real_hub(world, "HUB-A", url)
    world.seed(random.Random(11), skus=3, lines=30, max_qty=2)
    cfg = _config(world, "HUB-A", url, batch_size=2)
    env = {**os.environ, TOKEN_ENV: HQ_TOKENS["HUB-A"]}
    hub = world.hubs["HUB-A"]
    with ServerThread(world.app, port=port):
        hub.sync(world.clock)
        _fill_some(world, "HUB-A", 30)
        total = world.unsynced(hub)
        kills = 0
        for _ in range(4):
            before = world.hq_last_seq("HUB-A")
            proc = subprocess.Popen(
                [sys.executable, "-m", "floor_app", "sync", "--once", "--config", str(cfg)],
                cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            deadline = time.monotonic() + 30
            while world.hq_last_seq("HUB-A") <= before and time.monotonic() < deadline:
                assert proc.poll() is None, f"floor sync exited {proc.returncode} early"
                time.sleep(0.005)
            time.sleep(random.Random(kills).uniform(0, 0.05))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if world.hq_last_seq("HUB-A") < total:
                kills += 1
        assert kills >= 2, "the hub was never killed while events were still in flight"
        done = subprocess.run(
            [sys.executable, "-m", "floor_app", "sync", "--once", "--config", str(cfg)],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        _finish(world)


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "hq.pem", tmp / "hq.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_https_checks_certificates_unless_told_not_to(world: World, tmp_path: Path) -> None:
    world.add_hub("HUB-A")
    cert, key = _self_signed(tmp_path)
    server = ServerThread(world.app, ssl_certfile=str(cert), ssl_keyfile=str(key))
    with server:
        url = f"https://127.0.0.1:{server.port}"
        strict = HQClient(url, "HUB-A", HQ_TOKENS["HUB-A"])
        with pytest.raises(FatalError, match="certificate"):
            strict.changes(0, 10)
        strict.close()
        lax = HQClient(url, "HUB-A", HQ_TOKENS["HUB-A"], verify=False)
        assert lax.changes(0, 10)["changes"] == []
        lax.close()
    with world.hq.read() as s:
        assert s.scalar(select(t.hub.c.hub_id)) == "HUB-A"


@pytest.mark.slow
def test_floor_sync_loops_until_ctrl_c(world: World) -> None:
    import random

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    _real_hub(world, "HUB-A", url)
    world.seed(random.Random(13), skus=3, lines=6)
    cfg = _config(world, "HUB-A", url)
    cfg.write_text(cfg.read_text().replace("[sync]\n", "[sync]\ninterval_seconds = 0.2\n"))
    hub = world.hubs["HUB-A"]
    env = {**os.environ, TOKEN_ENV: HQ_TOKENS["HUB-A"]}
    with ServerThread(world.app, port=port):
        proc = subprocess.Popen(
            [sys.executable, "-m", "floor_app", "sync", "--config", str(cfg)],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _fill_some(world, "HUB-A", 4)  # the station works while the loop runs
            deadline = time.monotonic() + 60
            while (world.unsynced(hub) or world.pending(hub)) and time.monotonic() < deadline:
                assert proc.poll() is None, f"floor sync exited {proc.returncode} early"
                time.sleep(0.05)
            assert world.unsynced(hub) == 0 and world.pending(hub) == 0
        finally:
            proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, out
        assert b"/v1/hubs/HUB-A/events" in out  # the loop logs its requests, not the token
        assert HQ_TOKENS["HUB-A"].encode() not in out
        _finish(world)
