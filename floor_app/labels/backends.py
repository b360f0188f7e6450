"""Printer back ends: raw TCP (port 9100), CUPS (``lp -o raw``), a spool folder, PDF.

Each back end renders a :class:`LabelContent` for its medium and delivers it, or raises
:class:`PrintError` with a message for the station. None of them ever waits without a
deadline: a printer that is off, refuses, or accepts and never reads fails within
``connect_timeout + 2 * write_timeout`` seconds.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Protocol

from floor_app.config import PrinterSettings
from floor_app.domain.label_content import LabelContent
from floor_app.labels.pdf import render_pdf
from floor_app.labels.zpl import render_zpl

DEFAULT_PORT = 9100
DEFAULT_SPOOL = "var/labels"


class PrintError(Exception):
    """The printer did not take the label; the message says why, for the station header."""


class PrinterBackend(Protocol):
    def send(self, content: LabelContent) -> None:
        """Deliver one label or raise :class:`PrintError`."""

    def describe(self) -> str:
        """Where labels go, for messages (``zpl-tcp 10.0.0.5:9100``)."""


def parse_address(address: str, default_port: int = DEFAULT_PORT) -> tuple[str, int]:
    """``host``, ``host:port``, ``[v6]:port`` -> (host, port)."""
    a = address.strip()
    if not a:
        raise PrintError("printer.address is empty: set host:port of the label printer")
    if a.startswith("["):
        host, _, rest = a[1:].partition("]")
        port = rest.lstrip(":") or str(default_port)
    elif a.count(":") == 1:
        host, port = a.split(":")
    else:
        host, port = a, str(default_port)
    try:
        p = int(port)
    except ValueError:
        raise PrintError(f"printer.address {address!r}: port is not a number") from None
    if not 0 < p < 65536:
        raise PrintError(f"printer.address {address!r}: port out of range")
    return host, p


def _unacked_bytes(sock: socket.socket) -> int | None:
    """Bytes the peer's TCP has not acknowledged yet (Linux SIOCOUTQ); None if unknown."""
    try:
        import fcntl
        import struct
        import termios

        raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
        return int(struct.unpack("i", raw)[0])
    except (ImportError, OSError, AttributeError):
        return None


class TcpPrinter:
    """A raw ZPL printer on port 9100 (Zebra, and most network label printers)."""

    def __init__(
        self,
        address: str,
        *,
        size: str = "4x6",
        dpi: int = 203,
        connect_timeout: float = 3.0,
        write_timeout: float = 5.0,
    ) -> None:
        self.host, self.port = parse_address(address)
        self.size, self.dpi = size, dpi
        self.connect_timeout, self.write_timeout = connect_timeout, write_timeout

    def describe(self) -> str:
        return f"zpl-tcp {self.host}:{self.port}"

    def send(self, content: LabelContent) -> None:
        self.send_bytes(render_zpl(content, self.size, self.dpi))

    def send_bytes(self, data: bytes) -> None:
        where = f"{self.host}:{self.port}"
        started = time.monotonic()
        ip = _resolve(self.host, self.port, self.connect_timeout)
        left = max(0.05, self.connect_timeout - (time.monotonic() - started))
        try:
            sock = socket.create_connection((ip, self.port), timeout=left)
        except TimeoutError:
            raise PrintError(
                f"printer {where} did not answer within {self.connect_timeout:g} s"
            ) from None
        except OSError as exc:
            raise PrintError(f"printer {where} refused the connection: {_reason(exc)}") from None
        with sock:
            # Since Python 3.5 the timeout bounds the whole sendall, not each chunk.
            sock.settimeout(self.write_timeout)
            try:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
            except TimeoutError:
                raise PrintError(
                    f"printer {where} stopped reading (label not taken in {self.write_timeout:g} s)"
                ) from None
            except OSError as exc:
                raise _dropped(where, exc) from None
            self._await_delivery(sock, where)

    def _await_delivery(self, sock: socket.socket, where: str) -> None:
        """Wait until the printer's TCP has acknowledged every byte, or it closes cleanly.

        ``sendall`` returns once the bytes are in our kernel's buffer; a printer that
        resets the connection now has not taken the label. Acknowledged bytes are in the
        printer's own buffer, which is as far as a raw 9100 connection can see.
        """
        deadline = time.monotonic() + self.write_timeout
        sock.settimeout(0.05)
        while True:
            left = _unacked_bytes(sock)
            if left == 0:
                return
            try:
                chunk = sock.recv(4096)
                if not chunk:  # the printer closed its side after reading everything
                    return
            except TimeoutError:
                pass
            except OSError as exc:
                raise _dropped(where, exc) from None
            if left is None and time.monotonic() >= deadline:
                return  # no way to know more on this platform: the bytes were handed over
            if time.monotonic() >= deadline:
                raise PrintError(
                    f"printer {where} stopped reading ({left} bytes not taken in "
                    f"{self.write_timeout:g} s)"
                )


def _resolve(host: str, port: int, timeout: float) -> str:
    """``host``'s first address, giving up after ``timeout`` s (``getaddrinfo`` itself has
    no timeout, and a hub whose DNS is down must not freeze the print worker)."""
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        return host  # already an address
    except OSError:
        pass
    result: list[str] = []
    failure: list[BaseException] = []

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            result.append(str(infos[0][4][0]))
        except (OSError, IndexError) as exc:
            failure.append(exc)

    worker = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(timeout)
    if result:
        return result[0]
    if failure:
        raise PrintError(f"printer {host}: cannot resolve the name ({failure[0]})")
    raise PrintError(f"printer {host}: name lookup took longer than {timeout:g} s")


def _dropped(where: str, exc: OSError) -> PrintError:
    return PrintError(f"printer {where} dropped the connection: {_reason(exc)}")


def _reason(exc: OSError) -> str:
    name = errno.errorcode.get(exc.errno or 0, "")
    return f"{exc.strerror or exc} ({name})" if name else str(exc.strerror or exc)


class CupsPrinter:
    """A CUPS queue, fed raw ZPL (``lp -d QUEUE -o raw``) or, with ``pdf=True``, a PDF."""

    def __init__(
        self,
        queue: str,
        *,
        size: str = "4x6",
        dpi: int = 203,
        timeout: float = 10.0,
        pdf: bool = False,
        lp: str = "lp",
    ) -> None:
        if not queue or queue.startswith("-"):
            raise PrintError(f"printer.address {queue!r} is not a CUPS queue name")
        self.queue, self.size, self.dpi, self.timeout, self.pdf, self.lp = (
            queue, size, dpi, timeout, pdf, lp
        )  # fmt: skip

    def describe(self) -> str:
        return f"cups {self.queue}" + (" (pdf)" if self.pdf else "")

    def send(self, content: LabelContent) -> None:
        if self.pdf:
            data, opts = render_pdf(content, self.size), ["-o", "media=Custom." + _media(self.size)]
        else:
            data, opts = render_zpl(content, self.size, self.dpi), ["-o", "raw"]
        cmd = [self.lp, "-d", self.queue, *opts, "-t", content.label_id[:60], "--", "-"]
        try:
            proc = subprocess.run(cmd, input=data, capture_output=True, timeout=self.timeout)
        except FileNotFoundError:
            raise PrintError(f"`{self.lp}` not found: install cups-client") from None
        except subprocess.TimeoutExpired:
            raise PrintError(f"`lp` did not finish within {self.timeout:g} s") from None
        if proc.returncode != 0:
            msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise PrintError(f"lp -d {self.queue} failed: {msg[-1] if msg else proc.returncode}")


def _media(size: str) -> str:
    return {"4x6": "4x6in", "2x1": "2x1in"}.get(size, "4x6in")


def atomic_write(folder: Path, name: str, data: bytes) -> Path:
    """Write ``folder/name`` so that a reader never sees half a file (temp + fsync + rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        target = folder / name
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    return target


def _safe_name(label_id: str) -> str:
    name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in label_id)[:80]
    return name or "label"


class SpoolPrinter:
    """A folder another program prints from: one ``LABEL_ID.zpl`` (or ``.pdf``) per label."""

    def __init__(self, folder: Path, *, size: str = "4x6", dpi: int = 203, pdf: bool = False):
        self.folder, self.size, self.dpi, self.pdf = folder, size, dpi, pdf

    def describe(self) -> str:
        return f"{'pdf' if self.pdf else 'file'} {self.folder}"

    def send(self, content: LabelContent) -> None:
        if self.pdf:
            data, ext = render_pdf(content, self.size), ".pdf"
        else:
            data, ext = render_zpl(content, self.size, self.dpi), ".zpl"
        try:
            atomic_write(self.folder, _safe_name(content.label_id) + ext, data)
        except OSError as exc:
            raise PrintError(f"cannot write the label to {self.folder}: {_reason(exc)}") from None


def make_backend(printer: PrinterSettings, base_dir: Path) -> PrinterBackend:
    """The back end ``[printer]`` asks for. ``pdf`` with an address of ``lp:QUEUE`` prints
    through CUPS; any other address is a folder (relative to the config file's folder)."""
    kind, addr = printer.kind, printer.address.strip()
    if kind == "zpl-tcp":
        return TcpPrinter(
            addr,
            size=printer.label_size,
            dpi=printer.dpi,
            connect_timeout=printer.connect_timeout,
            write_timeout=printer.write_timeout,
        )
    timeout = printer.connect_timeout + printer.write_timeout
    if kind == "cups":
        return CupsPrinter(addr, size=printer.label_size, dpi=printer.dpi, timeout=timeout)
    if kind == "pdf" and addr.startswith("lp:"):
        return CupsPrinter(addr[3:], size=printer.label_size, timeout=timeout, pdf=True)
    folder = Path(addr or DEFAULT_SPOOL)
    if not folder.is_absolute():
        folder = base_dir / folder
    return SpoolPrinter(folder, size=printer.label_size, dpi=printer.dpi, pdf=kind == "pdf")
