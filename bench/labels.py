"""Label rendering and the print queue: what escaping and the durable queue cost.

Figures (per label, p50 / p99 in microseconds or milliseconds):
- ``render_zpl`` 4x6 fill vs a baseline that formats the same ZPL template with the raw
  fields (no cleaning, no ``^FH`` escaping: what an unsafe renderer would do);
- ``render_pdf`` and ``render_text`` (no natural baseline: shown against the ZPL baseline);
- ``PrintService.dispatch`` to a loopback printer on a migrated SQLite hub database (claim
  transaction + send + mark transaction) vs the bare TCP send of the same bytes.
"""

from __future__ import annotations

import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "labels"))

from label_support import add_label, make_content  # noqa: E402

from floor_app.labels.backends import TcpPrinter  # noqa: E402
from floor_app.labels.pdf import render_pdf  # noqa: E402
from floor_app.labels.text import render_text  # noqa: E402
from floor_app.labels.zpl import render_zpl  # noqa: E402


def timed(fn: Callable[[], object], n: int) -> tuple[float, float]:
    fn()  # warm up (imports, font registration)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def naive_zpl(c) -> bytes:  # type: ignore[no-untyped-def]
    fields = [c.action, c.location, f"ORDER {c.order_id}", f"SHIP TO {c.ship_to_name}, "
              f"{c.ship_to_city} {c.ship_to_postcode}", f"SKU {c.sku}  {c.variant}", c.name,
              f"UNIT {c.unit_id}  SN {c.serial}  GRADE {c.grade}", *c.steps]  # fmt: skip
    body = "".join(
        f"^FO24,{150 + 50 * i}^A0N,40,40^FB764,1,0,L,0^FD{f}^FS" for i, f in enumerate(fields)
    )
    return (
        f"^XA^CI28^PW812^LL1218{body}^FO107,1004^BY2,3,150^BCN,150,Y,N,N^FD{c.label_id}^FS^XZ"
    ).encode()


def sink() -> tuple[str, threading.Event]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    stop = threading.Event()

    def loop() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn:
                while conn.recv(65536):
                    pass

    threading.Thread(target=loop, daemon=True).start()
    return f"127.0.0.1:{srv.getsockname()[1]}", stop


def main() -> int:
    c = make_content()
    rows = []
    base = timed(lambda: naive_zpl(c), 2000)
    rows.append(("render_zpl 4x6 203 dpi", timed(lambda: render_zpl(c), 2000), base))
    rows.append(("render_zpl 2x1 300 dpi", timed(lambda: render_zpl(c, "2x1", 300), 2000), base))
    rows.append(("render_text", timed(lambda: render_text(c), 2000), base))
    rows.append(("render_pdf 4x6", timed(lambda: render_pdf(c), 200), base))
    print("label rendering, per label (baseline: the same ZPL formatted unescaped)")
    print(f"{'case':<26}{'p50 us':>10}{'p99 us':>10}{'base p50':>10}{'ratio':>8}")
    for name, (p50, p99), (b50, _) in rows:
        print(f"{name:<26}{p50 * 1e6:>10.1f}{p99 * 1e6:>10.1f}{b50 * 1e6:>10.1f}{p50 / b50:>8.2f}")

    from floor_app.config import Settings
    from floor_app.services.printing import PrintService, set_state
    from floor_app.store import migrate
    from floor_app.store.engine import Database

    address, stop = sink()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(base_dir=Path(tmp))
        settings.database.url = f"sqlite:///{Path(tmp) / 'hub.sqlite'}"
        db = Database(settings.database_url())
        migrate.upgrade(db.engine)
        now = datetime.now(UTC)
        n = 200
        ids = [
            add_label(db, make_content(label_id=f"LBL-{i:08d}BENCH", unit_id=f"U-{i}"), now)
            for i in range(n + 1)
        ]
        printer = TcpPrinter(address)
        svc = PrintService(settings, db, lambda: datetime.now(UTC), printer)
        data = render_zpl(c)
        it = iter(ids)
        q = timed(lambda: svc.dispatch(next(it)), n)
        b = timed(lambda: printer.send_bytes(data), n)

        def two_writes() -> None:
            for _ in range(2):
                with db.write() as s:
                    set_state(s, "bench", str(time.perf_counter()))

        w = timed(two_writes, n)
        db.dispose()
    stop.set()
    print("\nprint queue, per label (baseline: the bare TCP send of the same bytes)")
    print(f"{'case':<26}{'p50 ms':>10}{'p99 ms':>10}{'base p50':>10}{'ratio':>8}")
    print(f"{'dispatch (SQLite, 9100)':<26}{q[0] * 1e3:>10.2f}{q[1] * 1e3:>10.2f}"
          f"{b[0] * 1e3:>10.2f}{q[0] / b[0]:>8.2f}")  # fmt: skip
    print(f"{'2 bare write transactions':<26}{w[0] * 1e3:>10.2f}{w[1] * 1e3:>10.2f}"
          f"{b[0] * 1e3:>10.2f}{w[0] / b[0]:>8.2f}")  # fmt: skip
    print("(dispatch = claim + send + mark: two durable SQLite commits, synchronous=FULL)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
