"""Helpers shared by the label tests (importable: ``from label_support import ...``)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from floor_app.domain.label_content import (
    LabelContent,
    disposition_location,
    headline,
    outbound_lane,
    packing_steps,
)

KINDS = (
    "fill_backorder",
    "restock",
    "restock_open_box",
    "send_to_dc",
    "refurbish",
    "liquidate",
    "recycle",
    "hold_unknown",
    "hold_wrong_item",
)
LABEL_ID = "LBL-01KBMR7Q3ZD4X9YV2N8HTC"
RENDER_DIR = Path(__file__).parent / "zpl_render"


def make_content(kind: str = "fill_backorder", **changes: object) -> LabelContent:
    """A realistic label of ``kind``; ``changes`` overrides fields."""
    fill = kind == "fill_backorder"
    grade = {"restock_open_box": "B", "send_to_dc": "C", "refurbish": "D"}.get(kind, "A")
    if kind in ("liquidate", "recycle"):
        grade = "F"
    if fill:
        location = outbound_lane("expedite", "30-001")
    else:
        location = disposition_location(kind, "TEE-ORG-BLK-M")
    c = LabelContent(
        label_id=LABEL_ID,
        decision=kind,
        action=headline(kind, location),
        unit_id="U-01KBMR7Q3ZAAAA",
        sku=None if kind == "hold_unknown" else "TEE-ORG-BLK-M",
        name="" if kind == "hold_unknown" else "Organic cotton tee",
        variant="" if kind == "hold_unknown" else "Black / M",
        serial="SN-884422",
        grade=grade,
        order_id="SO-100234" if fill else None,
        ship_to_name="Zoë Łódź-Müller" if fill else "",
        ship_to_city="Kraków" if fill else "",
        ship_to_postcode="30-001" if fill else "",
        location=location,
        steps=packing_steps(kind, grade),
        reason=None if fill else "no open backorder for TEE-ORG-BLK-M at grade " + grade,
        hub_id="HUB-1",
        created_at="2026-03-02T08:00:00+00:00",
    )
    return replace(c, **changes)  # type: ignore[arg-type]


@dataclass
class RecordingPrinter:
    address: str
    jobs: list[bytes] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def wait_jobs(self, n: int, timeout: float = 5.0) -> list[bytes]:
        deadline = threading.Event()
        for _ in range(int(timeout / 0.01)):
            if len(self.jobs) >= n:
                break
            deadline.wait(0.01)
        return list(self.jobs)


# --- database rows ----------------------------------------------------------------------


def add_label(db, content: LabelContent, now: datetime, *, status: str = "pending") -> str:  # type: ignore[no-untyped-def]
    """A unit and its label row, as the station service stores them."""
    from floor_app.store.models import Label, Unit

    with db.write() as s:
        if s.get(Unit, content.unit_id) is None:
            s.add(Unit(unit_id=content.unit_id, sku=content.sku, received_at=now, received_by="W1"))
            s.flush()
        s.add(
            Label(
                label_id=content.label_id,
                unit_id=content.unit_id,
                kind=content.decision,
                content=content.to_dict(),
                status=status,
                created_at=now,
            )
        )
    return content.label_id


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def environ_with_path(extra: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{extra}{os.pathsep}{env.get('PATH', '')}"
    return env


# --- reading ZPL back -------------------------------------------------------------------


def zpl_commands(data: bytes) -> list[tuple[str, str]]:
    """(command, parameters) for every ``^`` / ``~`` in ``data``, in order.

    A ZPL command is the prefix and two characters (``^A`` takes its font as the second);
    its parameters run to the next prefix. Anything that a printer would obey shows up here.
    """
    text = data.decode("utf-8")
    starts = [i for i, ch in enumerate(text) if ch in "^~"]
    out = []
    for n, i in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(text)
        out.append((text[i : i + 3], text[i + 3 : end]))
    return out


def unescape_field(raw: str) -> str:
    """Undo ``^FH`` hex escapes (``_5E``) and the ``^FB`` doubled backslash."""
    out = bytearray()
    i, b = 0, raw.encode("utf-8")
    while i < len(b):
        if b[i : i + 1] == b"_" and i + 3 <= len(b):
            out.append(int(b[i + 1 : i + 3], 16))
            i += 3
        elif b[i : i + 2] == b"\\\\":
            out += b"\\"
            i += 2
        else:
            out.append(b[i])
            i += 1
    return out.decode("utf-8")


def zpl_fields(data: bytes) -> list[str]:
    """The text of every ``^FD`` field, decoded as the printer would print it."""
    return [unescape_field(params) for cmd, params in zpl_commands(data) if cmd == "^FD"]
