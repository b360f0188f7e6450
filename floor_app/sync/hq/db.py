"""Opening HQ's database: Floor's engine settings, HQ's own migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from floor_app.config import PROJECT_ROOT
from floor_app.store.engine import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "hq_alembic_version"
DEFAULT_HQ_DB_URL = f"sqlite:///{PROJECT_ROOT / 'db' / 'hq.sqlite'}"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return ctx.get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def upgrade(db: Database) -> tuple[str | None, str | None]:
    """Create or upgrade HQ's tables; returns (revision before, after)."""
    before = current_revision(db)
    cfg = _config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return before, current_revision(db)


def open_hq(url: str | None = None, *, migrate: bool = True) -> Database:
    """HQ's database at ``url`` (default: db/hq.sqlite), migrated to head unless told not to.

    The reference HQ migrates itself on start: it is one process an integrator runs, and
    an HQ that refuses to start after an upgrade helps nobody.
    """
    db = Database(url or DEFAULT_HQ_DB_URL)
    if migrate:
        upgrade(db)
    return db
