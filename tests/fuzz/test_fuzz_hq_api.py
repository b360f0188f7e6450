"""Fuzzing HQ's HTTP API from its own OpenAPI description (schemathesis).

Whatever the body, path or query: never a 5xx, every answer matches the documented
schema, and nothing half-applied is left behind (HQ's ledger stays consistent).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection
from sqlalchemy import func, select

from floor_app.store.engine import Database
from floor_app.sync.hq import tables as t
from floor_app.sync.hq.admin import add_hub
from floor_app.sync.hq.app import create_app
from floor_app.sync.hq.db import upgrade

_dir = Path(tempfile.mkdtemp(prefix="floor-hq-fuzz-"))
atexit.register(shutil.rmtree, _dir, True)
HQ = Database(f"sqlite:///{_dir / 'hq.sqlite'}")
upgrade(HQ)
TOKEN = "fuzz-token-" + "x" * 40
with HQ.write() as s:
    add_hub(s, "HUB-1", TOKEN, now=datetime.now(UTC))

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(HQ))


@schema.parametrize()
# derandomize: CI replays the same examples (a failure replays too); widen max_examples
# locally to explore more.
@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_hq_api_survives_anything(case: schemathesis.Case) -> None:
    if case.path_parameters and "hub_id" in case.path_parameters and case.path_parameters[
        "hub_id"
    ].startswith("H"):
        case.path_parameters["hub_id"] = "HUB-1"  # reach past the token check sometimes
    response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code < 500, response.text
    # HQ's body limit answers 413, which schemathesis does not count among rejections of a
    # schema-violating request; every other check (schema, status codes, 5xx) applies.
    case.validate_response(response, excluded_checks=[negative_data_rejection])
    with HQ.read() as s:
        last_seq = s.execute(select(t.hub.c.last_seq).where(t.hub.c.hub_id == "HUB-1")).scalar()
        events = s.execute(
            select(func.count()).select_from(t.event).where(t.event.c.hub_id == "HUB-1")
        ).scalar()
    # HQ applies a hub's events in seq order, each once: its counter and ledger agree
    assert last_seq == events
