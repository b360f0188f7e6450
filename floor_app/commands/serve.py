"""``floor serve``: the lead's screens in a browser (textual-serve), behind a token.

textual-serve has no authentication, so its aiohttp app gets a middleware that lets a
request through only with the access token (``[serve] token`` or the variable named by
``[serve] token_env``): as ``?token=`` on the first page load (answered with a redirect
that drops it from the address bar and sets an HttpOnly, SameSite=Strict cookie), as the
``X-Floor-Token`` header, or as that cookie. Comparisons are constant-time. Without a
configured token the command refuses to start (exit 2). It binds to ``[serve] host``
(127.0.0.1 by default) and ``[serve] port``.

Each browser session runs ``floor serve --child``: the lead app (badge sign-in, then the
lead's screens) on the same config and database.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import shlex
import sys
from typing import Any

from floor_app.commands._common import EXIT_OK, BadInput, run_command

COOKIE = "floor_serve"
HEADER = "X-Floor-Token"


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "serve",
        parents=[common],
        help="the lead's screens in a browser (needs an access token)",
        description="Serve the shift lead's screens to a browser through textual-serve. "
        "Open http://HOST:PORT/?token=TOKEN once; the token then lives in a cookie.",
    )
    p.add_argument("--host", help="address to bind (default: [serve] host)")
    p.add_argument("--port", type=int, help="port (default: [serve] port)")
    p.add_argument("--public-url", help="URL the browser uses, when not http://HOST:PORT")
    p.add_argument(
        "--operator",
        metavar="BADGE",
        help="open straight on the lead screens for this lead's badge (a lead's own "
        "office PC); the badge must still be a lead's. Default: sign in with a badge",
    )
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def resolve_token(settings: Any) -> str:
    return settings.serve.token or os.environ.get(settings.serve.token_env, "")


def cookie_value(token: str) -> str:
    """What the cookie holds: derived from the token, so the token itself is not stored."""
    return hmac.new(token.encode(), b"floor-serve-session", hashlib.sha256).hexdigest()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8", "replace"))


def token_middleware(token: str) -> Any:
    from aiohttp import web

    session = cookie_value(token)

    @web.middleware
    async def check(request: web.Request, handler: Any) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin and origin.split("://", 1)[-1].rstrip("/") != request.host:
            # another site's page in the lead's browser must not drive the app
            return web.Response(status=403, text="Floor: cross-origin request refused\n")
        query = request.query.get("token", "")
        header = request.headers.get(HEADER, "")
        cookie = request.cookies.get(COOKIE, "")
        ok = (
            (query and _same(query, token))
            or (header and _same(header, token))
            or (cookie and _same(cookie, session))
        )
        if not ok:
            return web.Response(
                status=401,
                text="Floor: access token required (open /?token=... as given by the hub)\n",
            )
        if query and request.path == "/" and request.method == "GET":
            rest = {k: v for k, v in request.query.items() if k != "token"}
            location = request.rel_url.with_query(rest)
            response = web.HTTPFound(location=str(location))
            response.set_cookie(COOKIE, session, httponly=True, samesite="Strict", path="/")
            return response
        return await handler(request)

    return check


def make_server(command: str, host: str, port: int, token: str, public_url: str | None) -> Any:
    from aiohttp import web
    from textual_serve.server import Server

    class TokenServer(Server):
        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(token_middleware(token))
            return app

    return TokenServer(command, host=host, port=port, title="Floor - shift lead",
                       public_url=public_url)  # fmt: skip


def child_command(args: argparse.Namespace) -> str:
    cmd = [sys.executable, "-m", "floor_app", "serve", "--child"]
    for flag in ("config", "db", "operator"):
        value = getattr(args, flag, None)
        if value:
            cmd += [f"--{flag}", str(value)]
    return shlex.join(cmd)


def run_child(args: argparse.Namespace) -> int:
    from floor_app.commands._common import load_settings, open_database
    from floor_app.services.context import Services
    from floor_app.tui.lead.app import make_lead_app

    settings = load_settings(args)
    services = Services.open(settings, db=open_database(settings))
    try:
        make_lead_app(services, operator=args.operator).run()
    finally:
        services.close()
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    def body() -> int:
        from floor_app.commands._common import load_settings

        if args.child:
            return run_child(args)
        settings = load_settings(args)
        token = resolve_token(settings)
        if not token:
            raise BadInput(
                f"no access token configured: set [serve] token or ${settings.serve.token_env}; "
                "floor serve does not run without one"
            )
        if len(token) < 16:
            raise BadInput("the [serve] access token is too short: use at least 16 characters")
        host = args.host or settings.serve.host
        port = args.port or settings.serve.port
        if not 0 < port < 65536:
            raise BadInput(f"bad port {port}")
        server = make_server(child_command(args), host, port, token, args.public_url)
        print(f"floor serve: http://{host}:{port}/?token=... (token from config)", flush=True)
        server.serve()
        return EXIT_OK

    return run_command(args, body)
