"""The reference HQ as an ASGI app (FastAPI): push and pull for hubs, per-hub tokens.

``create_app(db)`` builds the app on an open HQ :class:`~floor_app.store.engine.Database`;
``floor hq serve`` runs it on uvicorn. OpenAPI: ``/openapi.json`` and ``/docs``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from floor_app.store.engine import Database
from floor_app.sync.hq import ledger
from floor_app.sync.hq import tables as t
from floor_app.sync.hq.admin import hash_token, token_matches

log = logging.getLogger("floor.hq")

MAX_BODY_BYTES = 4 * 1024 * 1024  # 500 events are ~250 kB; 4 MB leaves room, not abuse
MAX_EVENTS = 10_000
HUB_ID = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]

Scope = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]
]


_bearer = HTTPBearer(auto_error=False)
Creds = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


class EventIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    event_id: str = Field(min_length=1, max_length=40)
    seq: int = Field(ge=1)
    hub_id: str = Field(min_length=1, max_length=64)
    type: str = Field(min_length=1, max_length=40)
    aggregate_id: str = Field(max_length=64)
    payload: dict[str, Any]
    occurred_at: datetime
    schema_version: int = 1


class PushIn(BaseModel):
    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS)


class EventResult(BaseModel):
    event_id: str
    seq: int
    status: str = Field(description="applied | accepted | rejected | ignored")
    reason: str | None = Field(None, description="why rejected: cancelled | reassigned | filled")
    duplicate: bool = Field(description="true when HQ had this event already (stored result)")


class PushOut(BaseModel):
    hub_id: str
    status: str = Field(description="ok | out_of_order (resume from expected_seq)")
    last_seq: int
    expected_seq: int
    results: list[EventResult]
    hq_time: datetime = Field(description="HQ's clock; hubs warn when theirs differs by minutes")


class Change(BaseModel):
    id: int
    kind: str = Field(description="line | allocation | catalog | expected_return")
    key: str
    data: dict[str, Any]


class ChangesOut(BaseModel):
    changes: list[Change]
    next_cursor: int
    has_more: bool


class BodyLimit:
    """Refuse a body over ``limit`` bytes with 413 before anything reads it (pure ASGI)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _too_large(send)
                return
        # Read the whole body first (at most ``limit`` bytes): an oversized one is refused
        # before the app sees a byte of it, whatever the framework does with errors.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _too_large(send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Any) -> None:
    body = json.dumps({"detail": "request body too large"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ErrorOut(BaseModel):
    detail: Any


# Documented so that clients (and the schemathesis fuzz test) know every answer.
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "missing or invalid hub token"},
    403: {"model": ErrorOut, "description": "the token belongs to another hub"},
}


def create_app(db: Database, *, clock: Callable[[], datetime] | None = None) -> FastAPI:
    now = clock or (lambda: datetime.now(UTC))
    app = FastAPI(
        title="Floor reference HQ",
        version="1",
        description="Hubs push their outbox (ordered, idempotent) and pull HQ's changes. "
        "Authenticate with `Authorization: Bearer <hub token>`; a token reads and writes "
        "only its own hub's data.",
    )

    def authorise(hub_id: str, creds: HTTPAuthorizationCredentials | None) -> None:
        # The token is never logged or echoed; only its hash meets the database.
        if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
            raise HTTPException(401, "missing bearer token", {"WWW-Authenticate": "Bearer"})
        token = creds.credentials
        with db.read() as s:
            row = s.execute(select(t.hub.c.token_hash).where(t.hub.c.hub_id == hub_id)).first()
            if row is not None and token_matches(token, row.token_hash):
                return
            other = s.execute(
                select(t.hub.c.hub_id).where(t.hub.c.token_hash == hash_token(token))
            ).first()
        if other is not None:
            log.warning("hub %s's token used for hub %s: refused", other.hub_id, hub_id)
            raise HTTPException(403, "this token belongs to another hub")
        log.warning("bad token for hub %s: refused", hub_id)
        raise HTTPException(401, "invalid token", {"WWW-Authenticate": "Bearer"})

    @app.post(
        "/v1/hubs/{hub_id}/events",
        response_model=PushOut,
        tags=["sync"],
        responses={
            **AUTH_ERRORS,
            400: {"model": ErrorOut, "description": "the body is not JSON"},
            409: {"model": ErrorOut, "description": "seq conflict"},
            413: {"model": ErrorOut, "description": "body too large"},
        },
    )
    async def push(hub_id: HUB_ID, body: PushIn, creds: Creds) -> dict[str, Any]:
        """Apply a batch of outbox events in seq order, each exactly once."""
        await run_in_threadpool(authorise, hub_id, creds)
        for e in body.events:
            if e.hub_id != hub_id:
                # a token writes only its own hub's events
                raise HTTPException(403, f"event {e.event_id} is for hub {e.hub_id}, not {hub_id}")
        events = [e.model_dump() for e in body.events]

        def work() -> dict[str, Any]:
            with db.write() as s:
                return ledger.push(s, hub_id, events, now=now())

        try:
            return await run_in_threadpool(work)
        except ledger.PushConflict as exc:
            raise HTTPException(409, str(exc)) from None

    @app.get(
        "/v1/hubs/{hub_id}/changes",
        response_model=ChangesOut,
        tags=["sync"],
        responses=AUTH_ERRORS,
    )
    async def changes(
        hub_id: HUB_ID,
        creds: Creds,
        after: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    ) -> dict[str, Any]:
        """Backorder lines, allocation outcomes, catalogue and returns after a cursor."""
        await run_in_threadpool(authorise, hub_id, creds)

        def work() -> dict[str, Any]:
            with db.read() as s:
                return ledger.changes(s, hub_id, after=after, limit=limit)

        return await run_in_threadpool(work)

    @app.get("/v1/health", tags=["ops"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.exception_handler(json.JSONDecodeError)
    async def bad_json(_request: Request, _exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": "body is not valid JSON"}, status_code=400)

    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)  # type: ignore[arg-type]
    return app
