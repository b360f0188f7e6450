"""Printer back ends against real loopback sockets, a fake `lp` and real folders."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from label_support import LABEL_ID, RecordingPrinter, make_content

from floor_app.config import PrinterSettings
from floor_app.labels.backends import (
    CupsPrinter,
    PrintError,
    SpoolPrinter,
    TcpPrinter,
    make_backend,
    parse_address,
)
from floor_app.labels.zpl import render_zpl


def test_tcp_printer_receives_exactly_the_label(recording_printer: RecordingPrinter) -> None:
    c = make_content()
    TcpPrinter(recording_printer.address, connect_timeout=2, write_timeout=2).send(c)
    assert recording_printer.wait_jobs(1) == [render_zpl(c)]


def test_tcp_printer_honours_size_and_resolution(recording_printer: RecordingPrinter) -> None:
    c = make_content("restock")
    TcpPrinter(recording_printer.address, size="2x1", dpi=300).send(c)
    assert recording_printer.wait_jobs(1) == [render_zpl(c, "2x1", 300)]


def test_refused_connection_fails_fast(refused_address: str) -> None:
    t0 = time.monotonic()
    with pytest.raises(PrintError, match="refused"):
        TcpPrinter(refused_address, connect_timeout=2, write_timeout=2).send(make_content())
    assert time.monotonic() - t0 < 1.5


def test_unroutable_printer_times_out_on_connect() -> None:
    # 10.255.255.1 is a private address nothing answers on; the connect must give up.
    printer = TcpPrinter("10.255.255.1:9100", connect_timeout=0.3, write_timeout=1)
    t0 = time.monotonic()
    with pytest.raises(PrintError):
        printer.send(make_content())
    assert time.monotonic() - t0 < 2.0


def test_printer_that_never_reads_times_out_on_a_big_job(deaf_printer: str) -> None:
    printer = TcpPrinter(deaf_printer, connect_timeout=1, write_timeout=0.5)
    t0 = time.monotonic()
    with pytest.raises(PrintError, match="stopped reading"):
        printer.send_bytes(b"^XA^FX" + b"x" * 4_000_000 + b"^XZ")
    assert time.monotonic() - t0 < 3.0


def test_printer_that_never_reads_is_caught_after_the_write_returns(deaf_printer: str) -> None:
    # Small enough for our socket buffer (sendall returns at once), too big for the
    # printer's 2 kB window: the bytes are never acknowledged, which is not a print.
    printer = TcpPrinter(deaf_printer, connect_timeout=1, write_timeout=0.5)
    with pytest.raises(PrintError, match="not taken"):
        printer.send_bytes(b"^XA^FX" + b"x" * 60_000 + b"^XZ")


def test_printer_that_closes_mid_write(cutoff_printer: str) -> None:
    printer = TcpPrinter(cutoff_printer, connect_timeout=1, write_timeout=2)
    with pytest.raises(PrintError, match="dropped the connection"):
        printer.send_bytes(b"^XA^FX" + b"x" * 4_000_000 + b"^XZ")


def test_printer_by_name(recording_printer: RecordingPrinter) -> None:
    port = recording_printer.address.rsplit(":", 1)[1]
    TcpPrinter(f"localhost:{port}", connect_timeout=2, write_timeout=2).send(make_content())
    assert len(recording_printer.wait_jobs(1)) == 1


def test_unresolvable_name_is_a_print_error() -> None:
    with pytest.raises(PrintError, match=r"resolve|lookup"):
        TcpPrinter("no-such-printer.invalid", connect_timeout=2).send(make_content())


def test_slow_name_lookup_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket as socket_module

    def hanging_getaddrinfo(*args: object, **kwargs: object) -> list[object]:
        time.sleep(3)
        return []

    monkeypatch.setattr(socket_module, "getaddrinfo", hanging_getaddrinfo)
    t0 = time.monotonic()
    with pytest.raises(PrintError, match="longer than"):
        TcpPrinter("zebra.hub.lan", connect_timeout=0.3).send(make_content())
    assert time.monotonic() - t0 < 1.5


@pytest.mark.parametrize(
    ("address", "expected"),
    [("printer.local", ("printer.local", 9100)), ("10.0.0.5:6101", ("10.0.0.5", 6101)),
     ("[::1]:9100", ("::1", 9100)), ("[fe80::1]", ("fe80::1", 9100))],
)  # fmt: skip
def test_parse_address(address: str, expected: tuple[str, int]) -> None:
    assert parse_address(address) == expected


@pytest.mark.parametrize("bad", ["", "host:port", "host:0", "host:70000"])
def test_parse_address_rejects(bad: str) -> None:
    with pytest.raises(PrintError, match=r"printer\.address"):
        parse_address(bad)


# --- CUPS through a fake `lp` on PATH ----------------------------------------------------


def _fake_lp(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lp = folder / "lp"
    lp.write_text("#!/bin/sh\n" + body)
    lp.chmod(lp.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return lp


@pytest.fixture
def lp_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "lp-log"
    log.mkdir()
    _fake_lp(
        tmp_path / "bin",
        f'for a in "$@"; do printf "%s\\n" "$a"; done > "{log}/args"\ncat > "{log}/data"\n'
        'echo "request id is zebra-1 (1 file(s))"\n',
    )
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    return log


def test_cups_sends_raw_zpl_through_lp(lp_log: Path) -> None:
    c = make_content()
    CupsPrinter("zebra_dock_2", dpi=203).send(c)
    args = (lp_log / "args").read_text().splitlines()
    assert args[:4] == ["-d", "zebra_dock_2", "-o", "raw"]
    assert args[-2:] == ["--", "-"]
    assert (lp_log / "data").read_bytes() == render_zpl(c)


def test_cups_pdf_mode_sends_a_pdf(lp_log: Path) -> None:
    backend = make_backend(PrinterSettings(kind="pdf", address="lp:office"), Path("/"))
    backend.send(make_content())
    args = (lp_log / "args").read_text().splitlines()
    assert args[:2] == ["-d", "office"] and "raw" not in args
    assert (lp_log / "data").read_bytes().startswith(b"%PDF")


def test_cups_failure_is_a_print_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_lp(
        tmp_path / "bin",
        'cat >/dev/null\necho "lp: The printer or class does not exist." >&2\nexit 1\n',
    )
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(PrintError, match="does not exist"):
        CupsPrinter("nosuch").send(make_content())


def test_cups_that_hangs_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_lp(tmp_path / "bin", "exec sleep 30\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    t0 = time.monotonic()
    with pytest.raises(PrintError, match="did not finish"):
        CupsPrinter("zebra", timeout=0.5).send(make_content())
    assert time.monotonic() - t0 < 5


def test_cups_without_lp_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(PrintError, match="not found"):
        CupsPrinter("zebra").send(make_content())


def test_cups_queue_name_cannot_be_an_option() -> None:
    with pytest.raises(PrintError):
        CupsPrinter("-oraw")


# --- spool folders -----------------------------------------------------------------------


def test_spool_writes_one_file_per_label_atomically(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    backend = make_backend(PrinterSettings(kind="file", address="spool"), tmp_path)
    assert isinstance(backend, SpoolPrinter) and backend.folder == spool
    a, b = make_content(), make_content("restock", label_id="LBL-000000000002")
    backend.send(a)
    backend.send(b)
    assert sorted(p.name for p in spool.iterdir()) == sorted(
        [f"{LABEL_ID}.zpl", "LBL-000000000002.zpl"]
    )
    assert (spool / f"{LABEL_ID}.zpl").read_bytes() == render_zpl(a)


def test_spool_pdf(tmp_path: Path) -> None:
    backend = make_backend(PrinterSettings(kind="pdf", address=str(tmp_path / "pdfs")), tmp_path)
    backend.send(make_content())
    assert (tmp_path / "pdfs" / f"{LABEL_ID}.pdf").read_bytes().startswith(b"%PDF")


def test_spool_failure_leaves_no_partial_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(PrintError, match="cannot write"):
        SpoolPrinter(blocker).send(make_content())
    readonly = tmp_path / "ro"
    readonly.mkdir()
    readonly.chmod(0o500)
    try:
        if os.geteuid() != 0:  # root writes anywhere; the permission case needs a user
            with pytest.raises(PrintError):
                SpoolPrinter(readonly).send(make_content())
        assert not any(p.name.startswith(".tmp-") for p in readonly.iterdir())
    finally:
        readonly.chmod(0o700)


def test_label_id_cannot_escape_the_spool_folder(tmp_path: Path) -> None:
    SpoolPrinter(tmp_path / "s").send(make_content(label_id="LBL-../../etc/x"))
    (written,) = (tmp_path / "s").iterdir()
    assert written.parent == tmp_path / "s" and "/" not in written.name


def test_make_backend_picks_the_kind(tmp_path: Path) -> None:
    tcp = make_backend(PrinterSettings(kind="zpl-tcp", address="10.1.2.3"), tmp_path)
    assert isinstance(tcp, TcpPrinter) and tcp.describe() == "zpl-tcp 10.1.2.3:9100"
    cups = make_backend(PrinterSettings(kind="cups", address="zebra"), tmp_path)
    assert isinstance(cups, CupsPrinter) and not cups.pdf
    default = make_backend(PrinterSettings(), tmp_path)
    assert isinstance(default, SpoolPrinter) and default.folder == tmp_path / "var" / "labels"
