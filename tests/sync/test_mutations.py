"""The mutation check of SYNC.md: a test of the tests. Each deliberate bug is switched on
(a private flag in the code, flipped here) and the seeded fault scenario must FAIL with
the invariant that names it. If a bug went unnoticed, the fault test would be too weak."""

from __future__ import annotations

import shutil
from pathlib import Path

import fault_scenario
import pytest

from floor_app.sync import outcomes, relay
from floor_app.sync.hq import ledger

MUTATIONS = {
    # name: (module, flag, buggy value, words the failure must contain)
    "remove the epoch check": (ledger, "_CHECK_EPOCH", False, "stale epoch"),
    "ack before send": (relay, "_ACK_BEFORE_SEND", True, "believes seq"),
    "skip compensation": (outcomes, "_COMPENSATE", False, "live but rejected"),
    "skip the duplicate check": (ledger, "_CHECK_DUPLICATES", False, "no stored result"),
}
MAX_SEEDS = 15


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MUTATIONS))
def test_fault_scenario_catches_the_bug(
    name: str, monkeypatch: pytest.MonkeyPatch, fast_dir: Path, _hq_template: Path,
    _migrated_sqlite: Path, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    module, flag, buggy, words = MUTATIONS[name]
    monkeypatch.setattr(module, flag, buggy)
    for seed in range(MAX_SEEDS):
        run_dir = fast_dir / f"seed{seed}"
        run_dir.mkdir()
        shutil.copyfile(_hq_template, run_dir / "hq.sqlite")
        try:
            fault_scenario.run(run_dir, f"sqlite:///{run_dir / 'hq.sqlite'}", _migrated_sqlite,
                               seed)  # fmt: skip
        except AssertionError as exc:
            with capsys.disabled():
                print(f"\nmutation '{name}': caught at seed {seed}: {str(exc)[:160]}")
            assert words in str(exc), f"caught, but by another invariant: {exc}"
            return
    pytest.fail(f"mutation '{name}' survived {MAX_SEEDS} seeds of the fault scenario")


def test_flags_are_off_in_production() -> None:
    assert ledger._CHECK_EPOCH and ledger._CHECK_DUPLICATES and outcomes._COMPENSATE
    assert not relay._ACK_BEFORE_SEND
