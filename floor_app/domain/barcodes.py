"""Reading one scanned string: what it identifies, or why it cannot be trusted.

:func:`parse_scan` turns the raw text a keyboard-wedge scanner, a camera decoder or a
person produced into a :class:`~floor_app.domain.scan.Scan`, or raises
:class:`~floor_app.domain.scan.BarcodeError` with a reason a hub worker can act on.
GS1 element strings and Digital Links are parsed by the maintained ``biip`` library; this
module only decides *which* reading applies and refuses the ones that would be guesses.

The rules chosen where the input alone is ambiguous:

* **Framing.** Trailing CR/LF/Tab and spaces, then ``wedge_suffix``, then ``wedge_prefix``
  are removed (each only when present, so typed codes work too). An AIM symbology id
  (``]`` + code letter + modifier) is split off and kept in ``Scan.symbology``. The GS1
  separator may arrive as ASCII 29 or as ``rules.gs1_separator``; GS1 readings see it as
  ``\\x1d``, pattern readings (RMA, badge, label, internal code) see the text as sent.
* **Hostile text.** Longer than ``rules.max_length`` (plus framing) is refused before any
  other work; a control character other than GS (DEL included) or a non-ASCII character
  is refused with the text shown escaped (a configured GS substitute is let through).
* **UPC-E vs EAN-8.** ``]E4`` + 8 digits is EAN-8; ``]E0``/``]E3`` + 8 digits is UPC-E
  (ISO/IEC 15424 reports EAN-8 as ``]E4``, so 8 digits under ``]E0`` cannot be EAN-8).
  Without an EAN/UPC id, 8 digits valid only one way are read that way; valid both ways
  they are UPC-E when they start with 0 (an EAN-8 starting with 0 is an RCN-8, a
  store-internal number, never a trade item) and refused as ambiguous when they start
  with 1.
* **Digits of GTIN length** (8, 12, 13, 14) are GTINs and their check digit must hold;
  a 12-digit number with a bad GTIN check digit but a good FedEx Express check is a
  tracking number. Digits are never silently re-read as an internal code.
* **Lost GS1 separators.** (1) A variable-length field must end at a GS or at the end of
  the data; one that runs into more data (it hit its maximum length) is refused. (2) When
  an unbracketed element string has no GS at all, its last field is variable-length
  and its value contains a tail that is itself a complete, valid element string starting
  with an AI commonly printed next to a GTIN (01, 10, 11, 13, 15, 16, 17, 21) and not
  already in the code, the code is refused as ambiguous: ``21ABC10LOT`` may be serial
  ``ABC10LOT`` or serial ``ABC`` + lot ``LOT``. A code with at least one GS proves the
  scanner transmits separators and is trusted; bracketed ``(AI)`` text and Digital Links
  cannot lose separators. The reason tells the worker to fix the scanner or type the
  bracketed form.
* **Carrier numbers** are recognised by shape: UPS ``1Z`` + 16 (check digit verified),
  DHL Express 10 digits (mod-7 check), FedEx 12 (only when not a valid GTIN) and 15
  digits (mod-10 check), 20 or 22 digits (FedEx/USPS) and 21 digits starting with 9
  (USPS). A GS1 code with an SSCC (AI 00) or a USPS AI 420 + 9x is a tracking scan too.
* **Order of the plain readings** (no GS1 or EAN/UPC AIM id): ``http(s)://`` is a Digital
  Link (any domain; the 1.1 short names ``gtin``/``lot``/``ser``/``exp``/``cpv`` are
  mapped to AIs, as biip reads numeric keys only); ``(`` starts bracketed HRI (spaces
  only around brackets); then the configured label, badge and RMA patterns (whole-code
  match, as scanned then upper-cased); then an element string without AIM id (a real GS,
  the substitute after AI digits, or ``01`` + a valid GTIN-14 + more); then digits; then
  UPS; anything else printable, up to 64 characters from ``[A-Za-z0-9 ._/#+:-]``, is an
  internal code (the SKU itself).
* A GS1 code must carry a GTIN (AI 01) to be a product; other AIs are parsed (so their
  values are checked) and ignored. Expiry (17) must be a real date; day 00 is the last
  day of the month and the century follows GS1's window (biip: 49 years back, 50 ahead).

``biip`` is imported on first use (it costs ~0.1 s); call :func:`preload` from a worker
after start-up to pay that before the first scan.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from floor_app.domain import gtin as gtin_math
from floor_app.domain.scan import BarcodeError, Scan, ScanKind, ScannerRules

if TYPE_CHECKING:
    from biip.gs1_element_strings import GS1ElementString

GS = "\x1d"
INTERNAL_ERROR = "internal error"  # reason prefix of the last-resort guard (tests look for it)

# ISO/IEC 15424 code characters; a "]" followed by anything else is data, not an AIM id.
_AIM_CODES = frozenset("ABCDEFGHIKLMNOPQRSTUXYZcdeopsz")
_GS1_SYMBOLOGIES = frozenset({"]C1", "]e0", "]e1", "]e2", "]d2", "]Q3", "]J1"})
_EAN_MAIN_LENGTH = {  # ]E3 = main code + 2/5-digit add-on; the add-on is dropped
    10: 8,
    14: 12,
    15: 13,
    17: 12,
    18: 13,
}
# AIs that sit next to a GTIN on item labels: the ones a lost separator would hide.
_SUSPECT_AIS = ("01", "10", "11", "13", "15", "16", "17", "21")
_DL_ALIASES = {"gtin": "01", "cpv": "22", "lot": "10", "ser": "21", "exp": "17"}
_UPS = re.compile(r"1Z[0-9A-Z]{16}")
_INTERNAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/#+:-]{0,63}")
_SHOW = 40
_UNSAFE = re.compile(r"[^\x20-\x7e\x1d]")  # anything but printable ASCII and GS


def preload() -> None:
    """Import biip and load its tables now, so the first GS1 scan is as fast as the rest."""
    from biip.gs1_messages import GS1Message

    GS1Message.parse("0109506000134352")


def parse_scan(raw: str, rules: ScannerRules = ScannerRules()) -> Scan:  # noqa: B008
    """What ``raw`` identifies; :class:`BarcodeError` with a worker-facing reason if unsafe."""
    if not isinstance(raw, str):
        raise BarcodeError("a scan must be text")
    limit = rules.max_length + len(rules.wedge_prefix) + len(rules.wedge_suffix) + 2
    if len(raw) > limit:
        raise BarcodeError(
            f"too long for a barcode: {len(raw)} characters (at most {rules.max_length}); "
            "was text pasted?"
        )
    try:
        return _parse(raw, rules)
    except BarcodeError:
        raise
    except Exception as exc:  # the station must show a reason, never a traceback
        raise BarcodeError(
            f"{INTERNAL_ERROR} reading the scan ({type(exc).__name__}); scan again"
        ) from exc


# -- framing and hygiene ---------------------------------------------------------------------


def _show(text: str, limit: int = _SHOW) -> str:
    """``text`` with every unusual character escaped, cut short for a one-line message."""
    shown = text[:limit]
    if not (shown.isascii() and shown.isprintable()):
        shown = ascii(shown)[1:-1]
    return shown + ("..." if len(text) > limit else "")


def _unframe(raw: str, rules: ScannerRules) -> str:
    text = raw.rstrip("\r\n\t ")
    if rules.wedge_suffix and text.endswith(rules.wedge_suffix):
        text = text[: -len(rules.wedge_suffix)]
    if rules.wedge_prefix and text.startswith(rules.wedge_prefix):
        text = text[len(rules.wedge_prefix) :]
    return text.strip("\r\n\t ")


def _refuse_unsafe(text: str, substitute: str) -> None:
    for m in _UNSAFE.finditer(text):
        ch = m[0]
        if ch in substitute:  # the hub's own stand-in for GS, even if unprintable
            continue
        what = "non-ASCII" if ord(ch) > 127 else "control"
        raise BarcodeError(f"{what} character {ch!a} in the scan: '{_show(text)}'")


def _split_aim(text: str) -> tuple[str | None, str]:
    if len(text) >= 3 and text[0] == "]" and text[1] in _AIM_CODES and text[2].isalnum():
        return text[:3], text[3:]
    return None, text


def _parse(raw: str, rules: ScannerRules) -> Scan:
    text = _unframe(raw, rules)
    _refuse_unsafe(text, rules.gs1_separator)
    if not text:
        raise BarcodeError("empty scan")
    sym, data = _split_aim(text)
    if not data.strip(GS + " "):
        raise BarcodeError(f"nothing after the symbology id {sym}" if sym else "empty scan")
    gs_data = data.replace(rules.gs1_separator, GS) if rules.gs1_separator else data
    if sym in _GS1_SYMBOLOGIES:
        return _gs1(sym, gs_data.strip(GS))
    if sym in ("]E0", "]E3", "]E4"):
        return _ean(sym, data)
    if sym in ("]E1", "]E2"):
        raise BarcodeError("only the small add-on barcode was read; scan the main barcode")
    if sym in ("]I0", "]I1") and len(data) == 14 and data.isdigit():
        return _product(sym, data, _gtin14(data, "ITF-14"))
    return _classify(sym, data, gs_data, rules)


# -- plain codes -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _compiled(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise BarcodeError(f"scanner pattern {pattern!r} is not a valid regex: {exc}") from None


def _match(pattern: str, data: str) -> str | None:
    rx = _compiled(pattern)
    for candidate in (data, data.upper()):
        if rx.fullmatch(candidate):  # a pattern describes the whole code, anchored or not
            return candidate
    return None


def _classify(sym: str | None, data: str, gs_data: str, rules: ScannerRules) -> Scan:
    if data[:8].lower().startswith(("http://", "https://")):
        return _digital_link(sym, data)
    if data.startswith("("):
        return _hri(sym, data)
    if "://" in data:
        raise BarcodeError(f"a web address Floor cannot read: '{_show(data)}'")
    label = _match(rules.label_pattern, data)
    if label is not None:
        return Scan(ScanKind.LABEL, data, sym, label_id=label)
    badge = _match(rules.badge_pattern, data)
    if badge is not None:
        bare = badge[6:] if badge.upper().startswith("BADGE:") else badge
        return Scan(ScanKind.BADGE, data, sym, badge=bare)
    rma = _match(rules.rma_pattern, data)
    if rma is not None:
        return Scan(ScanKind.RMA, data, sym, rma=rma)
    # An element string without its AIM id: a real GS, or the substitute after AI digits
    # (so a substitute such as "-" does not turn SKU-123 into a GS1 code).
    if GS in data or (GS in gs_data and data[:2].isdigit()) or _starts_with_gtin_ai(data):
        return _gs1(sym, gs_data.strip(GS))
    if data.isdigit():
        return _digits(sym, data)
    upper = data.upper()
    if _UPS.fullmatch(upper):
        if not _ups_ok(upper):
            raise BarcodeError(f"UPS tracking number {upper} has a bad check digit")
        return _tracking(sym, data, upper)
    if _INTERNAL.fullmatch(data) and not data.endswith(" "):
        return Scan(ScanKind.INTERNAL, data, sym, code=data)
    raise BarcodeError(f"not a code Floor knows ({len(data)} characters): '{_show(data)}'")


def _starts_with_gtin_ai(data: str) -> bool:
    """An element string scanned without its AIM id: ``01`` + a valid GTIN-14 + more."""
    return len(data) >= 16 and data.startswith("01") and gtin_math.is_valid(data[2:16])


def _digits(sym: str | None, d: str) -> Scan:
    n = len(d)
    if n == 8:
        return _eight(sym, d, ean_symbology=False)
    if n in (12, 13, 14):
        if gtin_math.is_valid(d):
            return _product(sym, d, _gtin14(d, "GTIN"))
        if n == 12 and _fedex12_ok(d):
            return _tracking(sym, d, d)
        raise BarcodeError(_bad_check(d))
    if (n == 10 and int(d[:9]) % 7 == int(d[9])) or (
        n == 15 and gtin_math.check_digit(d[:-1]) == int(d[-1])
    ):
        return _tracking(sym, d, d)  # DHL Express (mod 7), FedEx Ground (mod 10)
    if n in (20, 22) or (n == 21 and d[0] == "9"):
        return _tracking(sym, d, d)  # FedEx / USPS; shapes no GTIN or element string has
    return Scan(ScanKind.INTERNAL, d, sym, code=d)


def _tracking(sym: str | None, text: str, number: str) -> Scan:
    return Scan(ScanKind.TRACKING, text, sym, tracking=number)


def _fedex12_ok(d: str) -> bool:
    weights = itertools.cycle((1, 3, 7))
    total = sum(int(c) * w for c, w in zip(reversed(d[:-1]), weights, strict=False))
    return total % 11 % 10 == int(d[-1])


def _ups_ok(code: str) -> bool:
    # Letters count as (ord - 3) % 10; odd positions doubled; mod-10 complement.
    total = 0
    for i, ch in enumerate(code[2:-1]):
        v = int(ch) if ch.isdigit() else (ord(ch) - 3) % 10
        total += v * 2 if i % 2 else v
    return (10 - total % 10) % 10 == int(code[-1]) if code[-1].isdigit() else False


# -- GTINs -----------------------------------------------------------------------------------


def _bad_check(code: str) -> str:
    return (
        f"bad check digit: {code} should end in {gtin_math.check_digit(code[:-1])}; "
        "scan again or type the number under the barcode"
    )


def _gtin14(code: str, what: str) -> str:
    if not code.isascii() or not code.isdigit() or len(code) not in (8, 12, 13, 14):
        raise BarcodeError(f"{what} must be 8, 12, 13 or 14 digits, got '{_show(code)}'")
    if not gtin_math.is_valid(code):
        raise BarcodeError(_bad_check(code))
    if code.strip("0") == "":
        raise BarcodeError("a GTIN of all zeros identifies nothing")
    return code.rjust(14, "0")


def _product(
    sym: str | None,
    text: str,
    gtin14: str,
    serial: str | None = None,
    lot: str | None = None,
    expiry: str | None = None,
) -> Scan:
    return Scan(ScanKind.PRODUCT, text, sym, gtin=gtin14, serial=serial, lot=lot, expiry=expiry)


def _eight(sym: str | None, d: str, *, ean_symbology: bool) -> Scan:
    if sym == "]E4":
        return _product(sym, d, _gtin14(d, "EAN-8"))
    upca = gtin_math.expand_upce(d)
    if ean_symbology:  # ]E0 / ]E3 report EAN-8 as ]E4, so 8 digits here are UPC-E
        if upca is None:
            if d[0] not in "01":
                raise BarcodeError(f"UPC-E {d} must start with 0 or 1")
            raise BarcodeError(f"bad check digit in UPC-E {d}")
        return _product(sym, d, _gtin14(upca, "UPC-E"))
    ean8 = gtin_math.is_valid(d)
    if upca is not None and (not ean8 or d[0] == "0"):
        return _product(sym, d, _gtin14(upca, "UPC-E"))
    if upca is not None:
        raise BarcodeError(
            f"{d} is both a valid UPC-E and a valid EAN-8; turn on AIM ids in the scanner "
            "or scan the 12-digit UPC-A"
        )
    return _product(sym, d, _gtin14(d, "EAN-8"))


def _ean(sym: str, data: str) -> Scan:
    if not data.isdigit():
        raise BarcodeError(f"EAN/UPC barcode with non-digits: '{_show(data)}'")
    main = data
    if sym == "]E3":
        keep = _EAN_MAIN_LENGTH.get(len(data))
        if keep is None:
            raise BarcodeError(f"EAN/UPC with add-on of unexpected length {len(data)}")
        main = data[:keep]
    if len(main) == 8:
        return replace(_eight(sym, main, ean_symbology=True), text=data)
    if len(main) in (12, 13):
        return _product(sym, data, _gtin14(main, "EAN/UPC"))
    raise BarcodeError(f"EAN/UPC barcode of {len(main)} digits (expected 8, 12 or 13)")


# -- GS1 element strings and Digital Links ---------------------------------------------------


_DATE_AIS = frozenset({"11", "12", "13", "15", "16", "17"})
_BIIP_MATCH = re.compile(r"Failed to match '(.*)' with GS1 AI \((\d+)\)")
_BIIP_DATE = re.compile(r"Failed to parse GS1 AI \((\d+)\) date.* from '(.*)'")
_BIIP_AI = re.compile(r"Failed to get GS1 Application Identifier from '(.*)'")


def _biip_error(exc: Exception) -> str:
    """biip's message in the worker's terms (biip names regexes; the worker needs the field)."""
    text = str(exc)  # biip quotes values with repr(): already escaped
    if m := _BIIP_MATCH.search(text):
        what = "date" if m[2] in _DATE_AIS else "value"
        return f"bad {what} in ({m[2]}): '{_show(m[1][len(m[2]) :])}'"
    if m := _BIIP_DATE.search(text):
        return f"bad date in ({m[1]}): '{_show(m[2])}'"
    if m := _BIIP_AI.search(text):
        return f"no GS1 field at '{_show(m[1])}'"
    return _show(text.split(". ")[0], 100)


def _walk(data: str) -> list[tuple[GS1ElementString, bool]]:
    """biip's element strings of ``data`` and, for each, whether a GS followed it.

    The same loop as ``GS1Message.parse`` but keeping the separators' positions, which
    the lost-separator rules need.
    """
    from biip.gs1_element_strings import GS1ElementString

    out: list[tuple[GS1ElementString, bool]] = []
    rest = data
    while rest:
        es = GS1ElementString.extract(rest)
        rest = rest[len(es) :]
        ended = rest.startswith(GS)
        if es.ai.separator_required and rest and not ended:
            raise BarcodeError(
                f"GS1 field {es.ai} is longer than allowed or its GS separator was lost: "
                f"'{_show(str(es.ai) + es.value)}'"
            )
        rest = rest.lstrip(GS)
        out.append((es, ended))
    return out


def _gs1(sym: str | None, data: str) -> Scan:
    if data[:8].lower().startswith(("http://", "https://")):
        return _digital_link(sym, data)
    if data.startswith("("):
        return _hri(sym, data)
    try:
        found = _walk(data)
    except BarcodeError:
        raise
    except Exception as exc:  # biip raises ParseError, and ValueError on odd input
        raise BarcodeError(f"not a valid GS1 code: {_biip_error(exc)}") from None
    elements = [es for es, _ in found]
    if GS not in data:
        _refuse_lost_separator(elements)
    return _from_elements(sym, data, elements)


def _refuse_lost_separator(elements: list[GS1ElementString]) -> None:
    last = elements[-1]
    if not last.ai.separator_required:
        return
    present = {es.ai.ai for es in elements}
    value = last.value
    for i in range(1, len(value) - 2):
        for ai in _SUSPECT_AIS:
            if ai in present or not value.startswith(ai, i):
                continue
            tail = _valid_tail(value[i:], present)
            if tail is not None:
                raise BarcodeError(
                    f"ambiguous GS1 code: {last.ai} could be '{_show(value)}' or "
                    f"'{_show(value[:i])}' followed by {tail}; a GS separator was probably "
                    "lost. Set the scanner to send GS, or type the code with (AI) brackets"
                )


def _valid_tail(tail: str, present: set[str]) -> str | None:
    """``tail`` as HRI if it is a complete, valid element string sequence of new AIs."""
    try:
        found = [es for es, _ in _walk(tail)]
    except Exception:  # not a reading at all: the value stands
        return None
    ais = [es.ai.ai for es in found]
    if len(set(ais)) != len(ais) or present.intersection(ais):
        return None
    if any(es.ai.ai == "01" and not gtin_math.is_valid(es.value) for es in found):
        return None
    return "".join(es.as_hri() for es in found)


def _hri(sym: str | None, data: str) -> Scan:
    from biip.gs1_messages import GS1Message

    compact = re.sub(r"\s*([()])\s*", r"\1", data.strip())
    if any(ch.isspace() for ch in compact):
        raise BarcodeError(f"space inside a GS1 value: '{_show(data)}'")
    try:
        msg = GS1Message.parse_hri(compact)
    except Exception as exc:
        raise BarcodeError(f"not a valid GS1 code: {_biip_error(exc)}") from None
    if msg.as_hri() != compact:
        raise BarcodeError(f"unexpected text in the bracketed GS1 code: '{_show(data)}'")
    return _from_elements(sym, data, list(msg.element_strings))


def _digital_link(sym: str | None, url: str) -> Scan:
    from biip.gs1_digital_link_uris import GS1DigitalLinkURI

    try:
        dl = GS1DigitalLinkURI.parse(_numeric_keys(url))
    except Exception as exc:
        raise BarcodeError(
            f"not a valid GS1 Digital Link: {_biip_error(exc)} ('{_show(url)}')"
        ) from None
    return _from_elements(sym, url, list(dl.element_strings))


def _numeric_keys(url: str) -> str:
    """Rewrite the short names of GS1 Digital Link 1.1 (``/gtin/``, ``?exp=``) to AIs."""
    parts = urlsplit(url)
    segs = parts.path.split("/")
    start = next((i for i, s in enumerate(segs) if s in ("01", "gtin")), None)
    if start is not None:
        for i in range(start, len(segs), 2):
            segs[i] = _DL_ALIASES.get(segs[i], segs[i])
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(k in _DL_ALIASES for k, _ in pairs):
        query = urlencode([(_DL_ALIASES.get(k, k), v) for k, v in pairs])
    return urlunsplit(parts._replace(path="/".join(segs), query=query))


def _from_elements(sym: str | None, text: str, elements: Iterable[GS1ElementString]) -> Scan:
    by_ai: dict[str, Any] = {}
    for es in elements:
        seen = by_ai.get(es.ai.ai)
        if seen is not None and seen.value != es.value:
            raise BarcodeError(f"GS1 field {es.ai} appears twice with different values")
        by_ai[es.ai.ai] = es
    if "01" in by_ai:
        gtin14 = _gtin14(by_ai["01"].value, "GTIN (01)")
        expiry = by_ai.get("17")
        return _product(
            sym,
            text,
            gtin14,
            serial=by_ai["21"].value if "21" in by_ai else None,
            lot=by_ai["10"].value if "10" in by_ai else None,
            expiry=expiry.date.isoformat() if expiry is not None and expiry.date else None,
        )
    if "00" in by_ai:
        return _tracking(sym, text, by_ai["00"].value)
    usps = next((k for k in ("92", "93", "94", "95") if k in by_ai), None)
    if "420" in by_ai and usps is not None:
        return _tracking(sym, text, usps + by_ai[usps].value)
    ais = ", ".join(sorted(by_ai))
    raise BarcodeError(f"GS1 code without a product GTIN (01); it has AIs {ais}")
