"""The labels the station service really stores print, decode and confirm end to end."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from label_support import FakeClock, RecordingPrinter, zpl_commands, zpl_fields

from floor_app.domain.gtin import check_digit
from floor_app.labels.backends import TcpPrinter
from floor_app.labels.text import render_text
from floor_app.labels.zpl import TEMPLATE_COMMANDS
from floor_app.services.context import Services
from floor_app.services.printing import PrintService
from floor_app.store.models import BackorderLine, CatalogItem, Gtin, Label

HOSTILE_NAME = "Tee ^XA^FO0,0^FDPWNED^FS^XZ ~JR [bold]x[/] \x1b[2J"
HOSTILE_SHIP_TO = "Zoë ~DGR:X.GRF,9,1,FF \x1b]0;t\x07Łódź"


def _gtin(body12: str) -> str:
    return body12 + str(check_digit(body12))


def test_station_labels_print_and_confirm(  # type: ignore[no-untyped-def]
    settings, db, fixed_now, recording_printer: RecordingPrinter, tmp_path: Path
) -> None:
    clock = FakeClock(fixed_now)
    tee, boot = _gtin("061414100001"), _gtin("061414100003")
    with db.write() as s:
        s.add(CatalogItem(sku="TEE-M", name=HOSTILE_NAME, variant="M ^FS"))
        s.add(CatalogItem(sku="BOOT-42", name="Trail Boot", variant="42"))
        s.flush()
        s.add(Gtin(gtin=tee.rjust(14, "0"), sku="TEE-M"))
        s.add(Gtin(gtin=boot.rjust(14, "0"), sku="BOOT-42"))
        s.add(
            BackorderLine(
                backorder_id="BO-1",
                order_id="SO-77",
                sku="TEE-M",
                hub_id=settings.hub.id,
                qty=1,
                ordered_at=fixed_now - timedelta(days=2),
                ship_to_name=HOSTILE_SHIP_TO,
                ship_to_city="Kraków",
                ship_to_postcode="30-001",
            )
        )
    services = Services.open(settings, db=db, clock=clock)
    fill = services.station.process([tee], "A", "W1")
    restock = services.station.process([boot], "A", "W1")
    assert fill.decision == "fill_backorder" and restock.decision == "restock"
    printer = PrintService(settings, db, clock, TcpPrinter(recording_printer.address))
    assert [p.label_id for p in printer.pending()] == sorted([fill.label_id, restock.label_id])

    assert printer.dispatch(fill.label_id).sent and printer.dispatch(restock.label_id).sent
    jobs = recording_printer.wait_jobs(2)
    assert len(jobs) == 2
    for job, result in zip(jobs, (fill, restock), strict=True):
        assert {c for c, _ in zpl_commands(job)} <= TEMPLATE_COMMANDS
        fields = zpl_fields(job)
        assert fields[0] == result.action and fields[-1] == result.label_id
    fill_fields = "\n".join(zpl_fields(jobs[0]))
    assert "Tee ^XA^FO0,0^FDPWNED^FS^XZ ~JR [bold]x[/]" in fill_fields
    assert "Zoë ~DGR:X.GRF,9,1,FF Łódź" in fill_fields and "ORDER SO-77" in fill_fields
    assert "\x1b" not in render_text(fill.label)  # type: ignore[arg-type]

    # The worker scans the printed label: confirmed; a reprint still works and is counted.
    confirmed = services.station.confirm(fill.label_id, "W1", expected_label_id=fill.label_id)
    assert confirmed.label_id == fill.label_id
    assert printer.reprint(fill.label_id, "W1").sent
    with db.read() as s:
        row = s.get(Label, fill.label_id)
        assert row is not None and (row.status, row.reprints) == ("confirmed", 1)
    assert printer.pending() == []
