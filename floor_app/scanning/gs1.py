"""GS1 interpretation of a decoded code, for ``floor decode``: its application identifiers.

A code is read as GS1 when its AIM identifier says so (``]C1``, ``]d2``, ``]Q3``...) or,
for a QR code, when it holds a GS1 Digital Link URL. ``biip`` does the parsing; it is
imported on first use.
"""

from __future__ import annotations

from typing import Any

from floor_app.scanning import symbols as sym


def interpret(code: sym.Code) -> list[dict[str, Any]] | None:
    """``[{"ai": "01", "title": "GTIN", "value": "..."}, ...]``, or None when not GS1.

    A GS1 string whose AIs do not parse (a test pattern, say) gives ``[]``: it is GS1 by
    its symbology, but nothing in it can be interpreted.
    """
    try:
        if code.is_gs1:
            from biip.gs1_messages import GS1Message

            try:
                elements = GS1Message.parse(code.payload).element_strings
            except Exception:  # biip raises its own ParseError family; any failure: no AIs
                return []
        elif code.symbology == sym.QR and code.payload.lower().startswith(("http://", "https://")):
            from biip.gs1_digital_link_uris import GS1DigitalLinkURI

            try:
                elements = GS1DigitalLinkURI.parse(code.payload).element_strings
            except Exception:
                return None  # an ordinary URL
        else:
            return None
    except ImportError:
        return None
    out: list[dict[str, Any]] = []
    for e in elements:
        item: dict[str, Any] = {"ai": e.ai.ai, "title": e.ai.data_title, "value": e.value}
        if e.date is not None:
            item["date"] = e.date.isoformat()
        out.append(item)
    return out


def digital_link_gtin(code: sym.Code) -> str | None:
    """The GTIN of a GS1 Digital Link QR code (AI 01 in the URL path), or None."""
    for item in interpret(code) or []:
        if item["ai"] == "01":
            value = str(item["value"])
            return value if len(value) == 14 else None
    return None
