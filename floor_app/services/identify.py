"""From scans to a SKU: the RMA's expected lines first, else GTIN through the catalogue.

Runs inside a caller's session (read or write) so the answer and the decision built on
it see the same data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, select

from floor_app.domain.scan import Scan, ScanKind
from floor_app.services.errors import BadScan
from floor_app.store.models import CatalogItem, ExpectedReturn, Gtin


@dataclass(frozen=True)
class ScanSet:
    """The scans of one unit, sorted by what they are."""

    rma: str | None = None
    product: Scan | None = None  # a GTIN scan (possibly with serial/lot/expiry)
    internal: str | None = None  # an internal code: the SKU itself
    tracking: tuple[str, ...] = ()
    codes: tuple[str, ...] = field(default_factory=tuple)


def sort_scans(scans: Sequence[Scan], codes: Sequence[str]) -> ScanSet:
    rma: str | None = None
    product: Scan | None = None
    internal: str | None = None
    tracking: list[str] = []
    for s in scans:
        if s.kind is ScanKind.RMA:
            if rma is not None and rma != s.rma:
                raise BadScan(f"two different RMAs scanned for one unit: {rma} and {s.rma}")
            rma = s.rma
        elif s.kind is ScanKind.PRODUCT:
            if product is not None and product.gtin != s.gtin:
                raise BadScan("two different product barcodes scanned for one unit")
            if product is None or (s.serial and not product.serial):
                product = s
        elif s.kind is ScanKind.INTERNAL:
            if internal is not None and internal != s.code:
                raise BadScan("two different item codes scanned for one unit")
            internal = s.code
        elif s.kind is ScanKind.TRACKING:
            tracking.append(s.tracking or s.text)
        elif s.kind is ScanKind.BADGE:
            raise BadScan("that is an operator badge, not a unit: scan the RMA or the product")
        elif s.kind is ScanKind.LABEL:
            raise BadScan("that is a Floor label: scan it to confirm a relabel, not as a unit")
    if rma is None and product is None and internal is None:
        raise BadScan("no RMA or product barcode among the scans")
    return ScanSet(rma, product, internal, tuple(tracking), tuple(codes))


@dataclass(frozen=True)
class Identified:
    status: str  # ok | unknown | wrong_item | need_product
    sku: str | None
    reason: str | None
    item: CatalogItem | None
    rma_line: ExpectedReturn | None
    gtin: str | None


def identify(session: Session, scans: ScanSet) -> Identified:
    gtin = scans.product.gtin if scans.product else None
    product_sku: str | None = None
    if gtin is not None:
        row = session.get(Gtin, gtin)
        if row is None:
            return Identified(
                "unknown", None, f"GTIN {gtin} is not in the catalogue", None, None, gtin
            )
        product_sku = row.sku
    elif scans.internal is not None:
        if session.get(CatalogItem, scans.internal) is None:
            return Identified(
                "unknown",
                None,
                f"item code {scans.internal} is not in the catalogue",
                None,
                None,
                None,
            )
        product_sku = scans.internal

    rma_line: ExpectedReturn | None = None
    if scans.rma is not None:
        lines = list(session.exec(select(ExpectedReturn).where(ExpectedReturn.rma == scans.rma)))
        if not lines:
            if product_sku is None:
                return Identified(
                    "unknown",
                    None,
                    f"RMA {scans.rma} is not expected at this hub; scan the product barcode",
                    None,
                    None,
                    gtin,
                )
        elif product_sku is not None:
            rma_line = next((ln for ln in lines if ln.sku == product_sku), None)
            if rma_line is None:
                expected = ", ".join(sorted({ln.sku for ln in lines}))
                return Identified(
                    "wrong_item",
                    product_sku,
                    f"RMA {scans.rma} expects {expected}, the product scanned is {product_sku}",
                    session.get(CatalogItem, product_sku),
                    None,
                    gtin,
                )
        else:
            skus = sorted({ln.sku for ln in lines})
            if len(skus) > 1:
                return Identified(
                    "need_product",
                    None,
                    f"RMA {scans.rma} has {len(skus)} different items: scan the product barcode",
                    None,
                    None,
                    None,
                )
            rma_line = lines[0]
            product_sku = rma_line.sku
    item = session.get(CatalogItem, product_sku) if product_sku else None
    if item is None:
        return Identified(
            "unknown",
            product_sku,
            f"SKU {product_sku} is not in the catalogue",
            None,
            rma_line,
            gtin,
        )
    return Identified("ok", item.sku, None, item, rma_line, gtin)
