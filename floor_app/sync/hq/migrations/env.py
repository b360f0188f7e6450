"""Alembic environment for HQ's database (run through floor_app.sync.hq.db)."""

from __future__ import annotations

from alembic import context

from floor_app.sync.hq.tables import metadata

config = context.config


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table="hq_alembic_version",
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; use `floor hq init`")
_run(config.attributes["connection"])
