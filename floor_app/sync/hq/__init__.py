"""The reference HQ service: what a hub pushes to and pulls from.

HQ's tables live on their own ``MetaData`` (:mod:`.tables`) with their own Alembic folder
(``migrations/``), so the hub's autogenerate never sees them and HQ can live on any URL.
"""
