"""Hub <-> HQ sync (see ``/work/shared/SYNC.md`` for the design this follows).

Hub side: :mod:`.relay` pushes the outbox in order and applies HQ's per-event answers,
:mod:`.pull` applies HQ's change log with its cursor, :mod:`.outcomes` compensates an
allocation HQ rejected, :mod:`.worker` runs rounds in the background and reports the
status the station's header shows, :mod:`.client` is the HTTP client.
HQ side: :mod:`.hq` is the reference HQ service (FastAPI app, ledger, admin, migrations).
"""
