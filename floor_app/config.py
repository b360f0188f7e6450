"""Typed settings for the station, read from ``config.toml`` and ``FLOOR_*`` variables.

Precedence (highest first): command-line flags (``--db``), the environment
(``FLOOR_DB``, ``FLOOR_HUB__ID``...), the TOML file, the defaults below. Every field has a
default so that an empty file is a working station. A wrong type, an unknown key or a bad
value raises :class:`ConfigError` naming the key and the file's line.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "db" / "hub.sqlite"
DEMO_DB_PATH = PROJECT_ROOT / "db" / "demo.sqlite"
DISPOSITIONS = ("restock", "restock_open_box", "send_to_dc", "refurbish", "liquidate", "recycle")


class ConfigError(Exception):
    """A configuration problem, already phrased for the person who wrote the file."""


class _KeyedError(ValueError):
    """A cross-field check that knows which key (below its section) is wrong.

    Pydantic reports a model validator's error at the section; ``load_settings`` appends
    ``sub`` to the location so the message names the key and its line.
    """

    def __init__(self, sub: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.sub = sub


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class HubSettings(_Section):
    id: str = Field("HUB-1", min_length=1, max_length=64, description="This hub's id at HQ.")
    name: str = Field("Local return hub", description="Shown in the station's header.")


class DatabaseSettings(_Section):
    url: str = Field(
        "",
        description="SQLAlchemy URL of the hub database; empty means the embedded SQLite file "
        "db/hub.sqlite. A relative sqlite path is read from the config file's folder.",
    )


class GradeSettings(_Section):
    scale: list[str] = Field(
        default_factory=lambda: ["A", "B", "C", "D", "F"],
        min_length=1,
        description="Grades from best to worst; a backorder's minimum grade is a place on it.",
    )
    keys: dict[str, str] = Field(
        default_factory=lambda: {"1": "A", "2": "B", "3": "C", "4": "D", "5": "F"},
        description="Extra keys that grade with one stroke (each grade's own letter always works).",
    )
    dispositions: dict[str, str] = Field(
        default_factory=lambda: {
            "A": "restock",
            "B": "restock_open_box",
            "C": "send_to_dc",
            "D": "refurbish",
            "F": "liquidate",
        },
        description="What happens to a unit of each grade that no backorder takes.",
    )
    checklist: list[str] = Field(
        default_factory=lambda: ["tags_on", "packaging_intact", "works", "clean"],
        description="Optional checklist items asked at grading.",
    )
    checklist_caps: dict[str, str] = Field(
        default_factory=lambda: {
            "tags_on": "B",
            "packaging_intact": "B",
            "works": "D",
            "clean": "C",
        },
        description="Best grade a unit can have when a checklist item is answered 'no'.",
    )

    @field_validator("scale")
    @classmethod
    def _scale_unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v) or any(not g or len(g) > 8 for g in v):
            raise ValueError("grades must be unique, non-empty and short")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> GradeSettings:
        for g, d in self.dispositions.items():
            if g not in self.scale:
                raise _KeyedError(
                    ("dispositions", g),
                    f"dispositions names grade {g!r}, which is not on the scale",
                )
            if d not in DISPOSITIONS:
                raise _KeyedError(
                    ("dispositions", g),
                    f"disposition {d!r} for grade {g!r} is not one of {', '.join(DISPOSITIONS)}",
                )
        for g in self.scale:
            if g not in self.dispositions:
                raise _KeyedError(("dispositions",), f"dispositions has no entry for grade {g!r}")
        for k, g in self.keys.items():
            if g not in self.scale:
                raise _KeyedError(("keys", k), f"key {k!r} grades {g!r}, which is not on the scale")
        for item, g in self.checklist_caps.items():
            if g not in self.scale:
                raise _KeyedError(
                    ("checklist_caps", item),
                    f"checklist cap for {item!r} is {g!r}, not on the scale",
                )
        return self


class MatchingSettings(_Section):
    policy: Literal["default", "value_at_risk"] = Field(
        "default", description="How eligible backorder lines are ranked."
    )
    cancellation_risk_per_day: float = Field(
        0.02, ge=0, le=1, description="Chance per day waiting that a customer cancels."
    )
    default_min_grade: str = Field("A", description="Minimum grade when neither line nor SKU says.")


class PrinterSettings(_Section):
    kind: Literal["zpl-tcp", "cups", "pdf", "file"] = Field(
        "file", description="zpl-tcp (raw port 9100), cups (lp -o raw), pdf, or file (spool)."
    )
    address: str = Field(
        "", description="host:port for zpl-tcp; the CUPS queue for cups; a folder for pdf/file."
    )
    label_size: Literal["4x6", "2x1"] = Field("4x6", description="Label stock for fills.")
    dpi: Literal[203, 300] = Field(203, description="Printer resolution.")
    connect_timeout: float = Field(3.0, gt=0, description="Seconds to wait for the printer.")
    write_timeout: float = Field(5.0, gt=0, description="Seconds to wait for a send to finish.")
    retry_max_seconds: float = Field(60.0, gt=0, description="Longest wait between retries.")


class ScannerSettings(_Section):
    wedge_prefix: str = Field("", description="Characters the scanner sends before a code.")
    wedge_suffix: str = Field("", description="Characters before Enter that end a code.")
    gs1_separator: str = Field(
        "", max_length=4, description="Printable stand-in the scanner sends for ASCII 29 (GS)."
    )
    burst_ms: int = Field(
        35, ge=1, le=1000, description="Longest gap between keys of one scanner burst."
    )
    camera_device: str = Field(
        "", description="Camera index (0), video file or image folder; empty: no camera."
    )
    rma_pattern: str = Field(r"^RMA-?[0-9A-Z]{4,20}$", description="Regex of an RMA number.")
    badge_pattern: str = Field(r"^(?:BADGE:|OP-)[0-9A-Za-z_-]{1,32}$", description="Badge regex.")
    label_pattern: str = Field(r"^LBL-[0-9A-Z]{6,32}$", description="Regex of a label id.")

    @field_validator("rma_pattern", "badge_pattern", "label_pattern")
    @classmethod
    def _regex(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return v


class SyncSettings(_Section):
    hq_url: str = Field("", description="HQ base URL (http:// or https://); empty: offline.")
    token: str = Field("", description="This hub's token (prefer token_env).")
    token_env: str = Field("FLOOR_HQ_TOKEN", description="Variable that holds the hub token.")
    interval_seconds: float = Field(15.0, gt=0, description="Seconds between sync rounds.")
    batch_size: int = Field(500, ge=1, le=10000, description="Events per push request.")
    verify_tls: bool = Field(True, description="Check HQ's certificate (keep on).")

    def resolved_token(self) -> str:
        return self.token or os.environ.get(self.token_env, "")


class CostSettings(_Section):
    central_per_return: float = Field(35.0, ge=0, description="Cost of a return sent to a DC.")
    local_per_return: float = Field(5.0, ge=0, description="Cost of a return handled here.")


class StationSettings(_Section):
    undo_window_seconds: int = Field(120, ge=0, description="How long a decision can be undone.")
    idle_signout_seconds: int = Field(900, ge=0, description="Idle time before sign-out; 0: off.")
    theme: Literal["default", "high-contrast"] = Field("default", description="Screen theme.")
    bell: bool = Field(True, description="Ring the terminal bell on failures.")


class RosterSettings(_Section):
    operators: list[str] = Field(
        default_factory=list, description="Badge ids allowed to sign in; empty: any id."
    )
    leads: list[str] = Field(default_factory=list, description="Badge ids of shift leads.")


class ServeSettings(_Section):
    host: str = Field("127.0.0.1", description="Address `floor serve` binds to.")
    port: int = Field(8765, ge=1, le=65535, description="Port of `floor serve`.")
    token: str = Field("", description="Access token for the browser view (or token_env).")
    token_env: str = Field("FLOOR_SERVE_TOKEN", description="Variable holding the access token.")


class Settings(BaseModel):
    """The whole configuration. Sections mirror ``config.toml``.

    Plain pydantic rather than pydantic-settings: importing pydantic-settings costs about
    200 ms (its sources pull in asyncio, dotenv and cloud providers) of the station's 1 s
    start budget; :func:`_env_overlay` gives the same ``FLOOR_<SECTION>__<KEY>`` rule.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    hub: HubSettings = Field(default_factory=HubSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    grades: GradeSettings = Field(default_factory=GradeSettings)
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    printer: PrinterSettings = Field(default_factory=PrinterSettings)
    scanner: ScannerSettings = Field(default_factory=ScannerSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    costs: CostSettings = Field(default_factory=CostSettings)
    station: StationSettings = Field(default_factory=StationSettings)
    roster: RosterSettings = Field(default_factory=RosterSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)

    #: Folder of the config file; relative paths in it are read from there.
    base_dir: Path = Field(default=PROJECT_ROOT, exclude=True)

    @model_validator(mode="after")
    def _min_grade_on_scale(self) -> Settings:
        if self.matching.default_min_grade not in self.grades.scale:
            raise _KeyedError(
                ("matching", "default_min_grade"),
                f"default_min_grade {self.matching.default_min_grade!r} is not on the grade scale",
            )
        return self

    def database_url(self) -> str:
        url = self.database.url
        if not url:
            return f"sqlite:///{DEFAULT_DB_PATH}"
        return _absolute_sqlite(url, self.base_dir)


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")


def _table_path(header: str) -> tuple[str, ...]:
    return tuple(p.strip().strip("\"'") for p in header.split("."))


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best line number in the TOML ``text`` for a validation error at ``loc``.

    Finds the deepest ``[table]`` (or ``[table.sub]``) header on the path, then the line
    of the next key under it; falls back to the header's own line.
    """
    parts = tuple(str(p) for p in loc)
    if not parts:
        return None
    lines = text.splitlines()
    headers = [
        (i, _table_path(m.group(1))) for i, ln in enumerate(lines) if (m := _HEADER.match(ln))
    ]
    start, depth = -1, 0
    for i, path in headers:
        if len(path) > depth and parts[: len(path)] == path:
            start, depth = i, len(path)
    if depth == len(parts):
        return start + 1
    rest = parts[depth:]
    end = next((i for i, _ in headers if i > start), len(lines))
    # The longest dotted key that matches (``hub.name = ...``), else its first part.
    for n in range(len(rest), 0, -1):
        dotted = r"\s*\.\s*".join(r"[\"']?" + re.escape(p) + r"[\"']?" for p in rest[:n])
        pat = re.compile(r"^\s*" + dotted + r"\s*[=.]")
        for i in range(start + 1, end):
            if pat.match(lines[i]):
                return i + 1
    return start + 1 if start >= 0 else None


def _error_loc(err: Any) -> tuple[str, ...]:
    loc = tuple(str(p) for p in err["loc"])
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, _KeyedError):
        sub = cause.sub
        # The Settings-level check names its section itself.
        if loc and sub and sub[0] == loc[-1]:
            sub = sub[1:]
        loc = loc + sub
    return loc


def _describe(err: Any, loc: tuple[str, ...]) -> str:
    key = ".".join(loc) or "(file)"
    if err["type"] == "extra_forbidden":
        return f"{key}: unknown {'section' if len(loc) == 1 else 'key'}"
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, ValueError):
        return f"{key}: {cause}"
    got = repr(err.get("input"))
    if len(got) > 60:
        got = got[:57] + "..."
    return f"{key}: {err['msg']} (got {got})"


def _env_source(loc: tuple[str, ...]) -> str | None:
    """The FLOOR_* variable that supplied the value at ``loc``, if any."""
    env = {k.upper(): k for k in os.environ}
    for n in range(len(loc), 0, -1):
        name = "FLOOR_" + "__".join(loc[:n]).upper()
        if name in env:
            return env[name]
    return None


def _env_overlay(data: dict[str, Any]) -> dict[str, Any]:
    """The file's values with ``FLOOR_<SECTION>__<KEY>`` variables laid over them.

    Names are case-insensitive; list and dict keys take JSON; other values stay text for
    pydantic to convert (and to name the variable when it cannot). Variables that name no
    section (FLOOR_CONFIG, FLOOR_DB, token variables) are not settings and are left alone.
    """
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    for name, raw in os.environ.items():
        upper = name.upper()
        if not upper.startswith("FLOOR_") or "__" not in upper:
            continue
        section, _, key = upper[6:].lower().partition("__")
        field = Settings.model_fields.get(section)
        if field is None or not key:
            continue
        model = field.annotation
        sub = getattr(model, "model_fields", {}).get(key)
        value: Any = raw
        origin = getattr(sub.annotation, "__origin__", sub.annotation) if sub else None
        if origin in (list, dict):
            try:
                value = json.loads(raw)
            except json.JSONDecodeError:
                value = raw  # pydantic then names the variable and what it expected
        target = out.setdefault(section, {})
        if isinstance(target, dict):
            target[key] = value
    return out


def _absolute_sqlite(url: str, base: Path) -> str:
    """A relative ``sqlite:///path`` made absolute against ``base``; other URLs unchanged."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        rest = url[len(prefix) :]
        if rest and rest != ":memory:" and not rest.startswith("file:"):
            return prefix + str((base / rest).resolve())
    return url


def load_settings(path: str | Path | None = None, *, db_url: str | None = None) -> Settings:
    """Load settings from ``path`` (or ``FLOOR_CONFIG``, or ``./config.toml`` if present).

    ``db_url`` (the ``--db`` flag) wins over everything; ``FLOOR_DB`` comes next. A relative
    sqlite path given there is read from the current folder (it was typed there), while
    one in the file is read from the file's folder.
    """
    explicit = path or os.environ.get("FLOOR_CONFIG")
    cfg_path: Path | None
    if explicit:
        cfg_path = Path(explicit)
        if not cfg_path.is_file():
            raise ConfigError(f"{cfg_path}: config file not found")
    else:
        cwd_cfg = Path.cwd() / "config.toml"
        cfg_path = cwd_cfg if cwd_cfg.is_file() else None

    text = ""
    data: dict[str, Any] = {}
    if cfg_path is not None:
        try:
            text = cfg_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{cfg_path}: cannot read config: {exc}") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{cfg_path}: not valid TOML: {exc}") from None
    base = cfg_path.resolve().parent if cfg_path else Path.cwd()
    if "base_dir" in data:
        raise ConfigError(f"{cfg_path}:{_line_of(text, ('base_dir',))}: base_dir: unknown key")
    try:
        settings = Settings(**_env_overlay(data), base_dir=base)
    except ValidationError as exc:
        where = str(cfg_path) if cfg_path else "settings"
        msgs = []
        for err in exc.errors():
            loc = _error_loc(err)
            env_name = _env_source(loc)
            if env_name:
                prefix = f"environment {env_name}"
            else:
                line = _line_of(text, loc) if text else None
                prefix = f"{where}:{line}" if line else where
            msgs.append(f"{prefix}: {_describe(err, loc)}")
        raise ConfigError("\n".join(msgs)) from None
    override = db_url or os.environ.get("FLOOR_DB")
    if override:
        settings.database.url = _absolute_sqlite(override, Path.cwd())
    return settings
