"""`floor labels pending|retry|reprint` end to end through the real argument parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from label_support import add_label, make_content

from floor_app.cli import main
from floor_app.store.models import Label


def _config(tmp_path: Path, kind: str, address: str) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[printer]\nkind = "{kind}"\naddress = "{address}"\n'
        "connect_timeout = 0.5\nwrite_timeout = 0.5\n"
    )
    return cfg


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_pending_retry_and_reprint(  # type: ignore[no-untyped-def]
    settings, db, fixed_now, tmp_path: Path, capsys, refused_address, recording_printer
) -> None:
    url = settings.database_url()
    a = add_label(db, make_content(name="Tee \x1b[2J^XA"), fixed_now)
    b = add_label(db, make_content("restock", label_id="LBL-0000000002", unit_id="U-2"), fixed_now)

    code, out, _ = _run(capsys, "labels", "pending", "--json", "--db", url,
                        "--config", str(_config(tmp_path, "zpl-tcp", refused_address)))  # fmt: skip
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["label_id"] for r in rows] == sorted([a, b])  # oldest first, then by id
    assert rows[0]["action"].startswith("RESTOCK BIN ") and rows[1]["attempts"] == 0

    # Printer off: retry reports the failure and exits 1; both labels stay pending.
    cfg = _config(tmp_path, "zpl-tcp", refused_address)
    code, out, _ = _run(capsys, "--db", url, "labels", "retry", "--config", str(cfg))
    assert code == 1 and "sent 0, still pending 2" in out and "refused" in out

    code, out, _ = _run(capsys, "labels", "--db", url, "pending", "--config", str(cfg))
    assert code == 0 and out.startswith("printer: OFFLINE (printer 127.0.0.1:")
    assert "2 label(s) pending" in out and "refused" in out
    assert "\x1b" not in out

    # Printer back: `retry --all` ignores the backoff and sends both.
    cfg = _config(tmp_path, "zpl-tcp", recording_printer.address)
    code, out, _ = _run(capsys, "labels", "retry", "--all", "--json", "--db", url,
                        "--config", str(cfg))  # fmt: skip
    assert code == 0 and json.loads(out)["sent"] == 2 and json.loads(out)["pending"] == 0
    assert len(recording_printer.wait_jobs(2)) == 2

    code, out, _ = _run(capsys, "labels", "reprint", a, "--operator", "L7", "--db", url,
                        "--config", str(cfg))  # fmt: skip
    assert code == 0 and f"{a} sent to zpl-tcp" in out
    assert len(recording_printer.wait_jobs(3)) == 3
    with db.read() as s:
        assert s.get(Label, a).reprints == 1


def test_reprint_errors_and_exit_codes(  # type: ignore[no-untyped-def]
    settings, db, fixed_now, tmp_path: Path, capsys, refused_address
) -> None:
    url = settings.database_url()
    cfg = str(_config(tmp_path, "zpl-tcp", refused_address))
    code, out, err = _run(capsys, "labels", "reprint", "LBL-NOSUCH", "--json", "--db", url,
                          "--config", cfg)  # fmt: skip
    assert code == 2 and "no label LBL-NOSUCH" in err and json.loads(out)["error"]
    a = add_label(db, make_content(), fixed_now)
    code, out, _ = _run(capsys, "labels", "reprint", a, "--db", url, "--config", cfg)
    assert code == 1 and "NOT printed" in out and "refused" in out


def test_labels_needs_an_action(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exc:
        main(["labels"])
    assert exc.value.code == 2
