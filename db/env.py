"""Alembic environment for the hub database (run through floor_app.store.migrate)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import floor_app.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata
config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from floor_app.store.engine import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.connect() as conn:
            _run(conn)
        engine.dispose()
    else:
        _run(connection)


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Name our own column types by their module so migrations import them."""
    from floor_app.store.types import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "floor_app.store.types.UTCDateTime()"
    return False


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; use `floor init`")
run_migrations_online()
