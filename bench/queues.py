"""How fast the lead's queue screens open and refresh on a big hub database.

The hub: 1,000,000 units (50,000 in the pile), 200,000 open backorder lines, 20,000
allocations, 150,000 expected return lines (see ``bench/_queues_db.py``; built once and
cached in the temp folder). A screen's load is what its refresh worker does: the queue
counts (tab titles) plus the tab's list (500 rows, ``TABLE_LIMIT``). After one unmeasured
pass that warms the OS cache (a running hub's database is hot), "open" is the median of 3
first loads, each on a fresh connection pool and service (nothing cached); "refresh" is
the p50 / max of the next 10 loads on one service. The baseline,
measured in the same run on the same database, is ``SELECT count(*) FROM unit``.
Budget: every queue screen opens and refreshes in under 200 ms.

Run: ``.venv/bin/python bench/queues.py`` (``--quick`` for a 100,000-unit hub).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BUDGET_MS = 200.0
REFRESHES = 10
OPENS = 3


def ms(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def main() -> int:
    import _queues_db

    from floor_app.config import Settings
    from floor_app.services.kpis import KpiService
    from floor_app.services.queues import QueueService
    from floor_app.store.engine import Database
    from floor_app.tui.lead.specs import TABLE_LIMIT, TABS

    quick = "--quick" in sys.argv
    units, lines = (100_000, 20_000) if quick else (1_000_000, 200_000)
    path = _queues_db.cached(units=units, lines=lines)
    url = f"sqlite:///{path}"
    settings = Settings()
    settings.database.url = url

    def clock() -> Any:
        return _queues_db.NOW

    def baseline() -> None:
        db = Database(url)
        with db.read() as s:
            s.connection().exec_driver_sql("SELECT count(*) FROM unit").scalar()
        db.dispose()

    ms(baseline)  # warm the OS cache like the screens below get warmed
    base = statistics.median(ms(baseline) for _ in range(5))
    print(f"hub: {units:,} units, {lines:,} open lines ({path.name})")
    print(f"baseline SELECT count(*) FROM unit: {base:.1f} ms (median of 5)")
    print(f"{'screen':<18}{'open p50':>9}{'refresh p50':>13}{'max':>8}{'x base':>8}  budget")
    worst = 0.0
    rows: list[tuple[str, float, float, float]] = []

    def screen_load(spec: Any) -> tuple[Callable[[], None], Database]:
        db = Database(url)  # a fresh pool and a fresh service: nothing cached
        q = QueueService(settings, db, clock)

        def load() -> None:
            q.counts()
            spec.fetch(q, TABLE_LIMIT)

        return load, db

    def numbers_load() -> tuple[Callable[[], None], Database]:
        db = Database(url)
        k = KpiService(settings, db, clock)
        return k.numbers, db

    def pile_plan_load() -> tuple[Callable[[], None], Database]:
        # "inspect next" when the walk gives up (WALK_CAP 1): its cost on this pile
        db = Database(url)
        q = QueueService(settings, db, clock)

        def load() -> None:
            try:
                queues_mod.WALK_CAP = 1
                q.inspect_next(TABLE_LIMIT)
            finally:
                queues_mod.WALK_CAP = walk_cap

        return load, db

    import floor_app.services.queues as queues_mod

    walk_cap = queues_mod.WALK_CAP
    loaders = [(spec.title, lambda spec=spec: screen_load(spec)) for spec in TABS]
    loaders.append(("Numbers", numbers_load))
    loaders.append(("(pile plan)", pile_plan_load))
    # A running hub has its database in the OS cache: one unmeasured pass warms it.
    for _, make in loaders:
        fn, db = make()
        fn()
        db.dispose()
    for name, make in loaders:
        opens = []
        for _ in range(OPENS):
            fn, db = make()
            opens.append(ms(fn))
            db.dispose()
        fn, db = make()
        fn()
        again = [ms(fn) for _ in range(REFRESHES)]
        db.dispose()
        rows.append((name, statistics.median(opens), statistics.median(again), max(again)))
    for name, first, p50, top in rows:
        ok = "ok" if max(first, p50) < BUDGET_MS else "OVER"
        if name in {spec.title for spec in TABS}:
            worst = max(worst, first, p50)
        print(f"{name:<18}{first:>9.1f}{p50:>13.1f}{top:>8.1f}{p50 / base:>8.1f}  {ok}")
    print(f"worst queue screen: {worst:.1f} ms (budget {BUDGET_MS:.0f} ms)")
    return 0 if worst < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
