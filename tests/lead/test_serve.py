"""``floor serve``: refuses without a token; with it, the queue screen reaches the browser.

The server runs as a real subprocess on a free loopback port. One test speaks textual-
serve's websocket protocol (JSON ``["stdin", text]`` up, terminal bytes down); one drives
a real headless Chromium through the DevTools protocol and screenshots the page.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from lead_hubstate import INSPECT_ORDER, seed

from floor_app.cli import main

pytestmark = pytest.mark.anyio
TOKEN = "s3cret-token-for-tests-0123456789"
ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[A-Za-z~]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(db: Any, settings: Any, tmp_path: Path, request: Any) -> Iterator[dict[str, Any]]:
    """``floor serve`` on a free port over the seeded hub; yields its base URL."""
    seed(db)
    db.dispose()
    port = free_port()
    ready = tmp_path / "ready.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOOR_")}
    env.update(FLOOR_SERVE_TOKEN=TOKEN, FLOOR_LEAD_READY_FILE=str(ready))
    extra = getattr(request, "param", [])
    cmd = [sys.executable, "-m", "floor_app", "serve", "--db", settings.database_url(),
           "--port", str(port), *extra]  # fmt: skip
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(
                        "floor serve did not start:\n"
                        + (tmp_path / "serve.log").read_text(errors="replace")
                    )
                time.sleep(0.1)
        yield {"base": base, "port": port, "ready": ready, "log": tmp_path / "serve.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_refuses_to_start_without_a_token(settings: Any, db: Any, capsys: Any) -> None:
    assert main(["serve", "--db", settings.database_url(), "--port", "1"]) == 2
    assert "no access token" in capsys.readouterr().err


def test_http_needs_the_token(served: dict[str, Any]) -> None:
    base = served["base"]
    with httpx.Client(follow_redirects=False, timeout=10) as c:
        for path in ("/", "/?token=wrong", "/static/js/textual.js", "/ws"):
            assert c.get(base + path).status_code == 401, path
        assert c.get(base + "/", headers={"X-Floor-Token": "nope"}).status_code == 401
        r = c.get(base + "/?token=" + TOKEN + "&fontsize=14")
        assert r.status_code == 302 and r.headers["location"] == "/?fontsize=14"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie
        c.cookies = r.cookies
        page = c.get(base + "/")
        assert page.status_code == 200 and f"ws://127.0.0.1:{served['port']}/ws" in page.text
        c.cookies.clear()
        assert c.get(base + "/").status_code == 401
        assert c.get(base + "/", headers={"X-Floor-Token": TOKEN}).status_code == 200
        other = c.get(base + "/", headers={"X-Floor-Token": TOKEN, "Origin": "http://evil.test"})
        assert other.status_code == 403


async def _read_until(ws: Any, needles: list[str], seen: list[str], timeout: float) -> str:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        text = ANSI.sub("", "".join(seen))
        if all(n in text for n in needles):
            return text
        left = end - loop.time()
        if left <= 0:
            raise AssertionError(f"never saw {needles}; got {text[-2000:]!r}")
        try:
            msg = await ws.receive(timeout=left)
        except TimeoutError:
            continue
        if msg.type.name == "BINARY":
            seen.append(msg.data.decode("utf-8", "replace"))
        elif msg.type.name == "TEXT":
            seen.append(msg.data)
        elif msg.type.name in ("CLOSE", "CLOSED", "ERROR"):
            raise AssertionError(f"websocket closed; got {ANSI.sub('', ''.join(seen))[-2000:]!r}")


async def test_websocket_refused_without_token_and_serves_the_queue_with_it(
    served: dict[str, Any],
) -> None:
    import aiohttp

    ws_url = served["base"].replace("http", "ws") + "/ws?width=160&height=45"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(ws_url)
        assert refused.value.status == 401
    headers = {"X-Floor-Token": TOKEN}
    async with aiohttp.ClientSession(headers=headers) as session, session.ws_connect(ws_url) as ws:
        seen: list[str] = []
        await _read_until(ws, ["lead's badge"], seen, 30)
        await ws.send_json(["stdin", "L1\r"])
        text = await _read_until(ws, ["Inspect next (7)", *INSPECT_ORDER[:3]], seen, 30)
        assert "Shift lead L1" in text


@pytest.mark.slow
@pytest.mark.parametrize("served", [["--operator", "L1"]], indirect=True)
async def test_headless_chromium_shows_the_queue(served: dict[str, Any], tmp_path: Path) -> None:
    """A real browser: the page loads, connects, and its screenshot shows the queue."""
    import aiohttp
    import cv2
    import numpy as np

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("chromium not found: `make setup` installs the Debian package", pytrace=False)
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    proc = subprocess.Popen(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--remote-debugging-port=0",
         "--window-size=1400,900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        devtools = None
        assert proc.stderr is not None
        deadline = time.monotonic() + 30
        while devtools is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                devtools = m.group(1)
        assert devtools, "chromium did not start its DevTools endpoint"
        http = "http://" + devtools.split("/")[2]
        async with aiohttp.ClientSession() as session:
            async with session.get(http + "/json/list") as r:
                pages = [t for t in await r.json() if t["type"] == "page"]
            async with session.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                ids = iter(range(1, 10_000))

                async def call(method: str, **params: Any) -> Any:
                    n = next(ids)
                    await ws.send_json({"id": n, "method": method, "params": params})
                    while True:
                        msg = json.loads((await ws.receive(timeout=60)).data)
                        if msg.get("id") == n:
                            return msg.get("result", {})

                await call("Page.enable")
                await call("Page.navigate", url=served["base"] + "/?token=" + TOKEN)
                loop = asyncio.get_running_loop()
                end = loop.time() + 60
                while not served["ready"].exists():
                    assert loop.time() < end, (
                        "the served app never drew the queue: "
                        + served["log"].read_text(errors="replace")[-2000:]
                    )
                    await asyncio.sleep(0.2)
                assert json.loads(served["ready"].read_text())[:7] == INSPECT_ORDER
                await asyncio.sleep(1.5)  # let xterm.js paint the frames it received
                shot = await call("Page.captureScreenshot", format="png")
                url = (await call("Runtime.evaluate", expression="location.href"))["result"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    png = base64.b64decode(shot["data"])
    (tmp_path / "browser.png").write_bytes(png)
    keep = os.environ.get("LEAD_BROWSER_SHOT")
    if keep:
        Path(keep).write_bytes(png)
    assert url["value"] == served["base"] + "/"  # the token left the address bar
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[1] >= 1000
    # The lead screen's title bar is Textual's primary blue (#0178D4), drawn by xterm.js.
    blue = np.all(np.abs(image.astype(int) - np.array([0xD4, 0x78, 0x01])) <= 12, axis=2)
    assert blue.sum() > 5000, f"no title bar in the screenshot ({blue.sum()} blue pixels)"
