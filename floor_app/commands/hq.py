"""``floor hq``: the reference HQ service (serve) and its admin commands."""

from __future__ import annotations

import argparse

from floor_app.commands import _common


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "hq",
        parents=[common],
        help="the reference HQ service and its admin commands",
        description="Run the reference HQ hubs sync with, and manage it: hubs and their "
        "tokens, backorder lines and who owns them, the catalogue, expected returns.",
    )
    hq_db = argparse.ArgumentParser(add_help=False)
    hq_db.add_argument(
        "--hq-db",
        metavar="URL",
        default=None,
        help="HQ's database URL (default: $FLOOR_HQ_DB, else sqlite file db/hq.sqlite); "
        "postgresql+psycopg://... for production",
    )
    sub = parser.add_subparsers(dest="hq_command", metavar="ACTION", required=True)

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common, hq_db], help=help_, description=help_)
        p.set_defaults(func=run)
        return p

    add("init", "create or upgrade HQ's database")
    p = add("serve", "serve the HQ API (OpenAPI at /docs)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--ssl-certfile", metavar="PEM", help="serve HTTPS with this certificate")
    p.add_argument("--ssl-keyfile", metavar="PEM", help="the certificate's private key")
    p = add("add-hub", "add a hub (or give it a new token)")
    p.add_argument("hub")
    p.add_argument(
        "--token-file",
        required=True,
        metavar="FILE",
        help="file holding the hub's token; if it does not exist, a new random token is "
        "written there (mode 600)",
    )
    for what in ("backorders", "returns"):
        p = add(f"import-{what}", f"import {what} (PRODUCT.md CSV) for a hub, all or nothing")
        p.add_argument("file", metavar="FILE.csv")
        p.add_argument("--hub", required=True)
    p = add("import-catalog", "import the catalogue (PRODUCT.md CSV) for every hub")
    p.add_argument("file", metavar="FILE.csv")
    p = add("cancel", "cancel a backorder line")
    p.add_argument("line", metavar="LINE")
    p = add("reassign", "give a backorder line to another hub (new epoch)")
    p.add_argument("line", metavar="LINE")
    p.add_argument("--to", required=True, metavar="HUB")
    add("status", "hubs, their last pushed seq, and line counts")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return _common.run_command(args, lambda: _hq(args))


def _hq(args: argparse.Namespace) -> int:
    import os

    from floor_app.commands._common import safe_text
    from floor_app.sync.hq import admin
    from floor_app.sync.hq.db import open_hq, upgrade

    url = args.hq_db or os.environ.get("FLOOR_HQ_DB") or None
    action = args.hq_command
    db = open_hq(url, migrate=False)
    try:
        before, after = upgrade(db)
        now = _now()
        if action == "init":
            print(f"HQ database at revision {after} (was {before})")
        elif action == "serve":
            return _serve(args, db)
        elif action == "add-hub":
            token = _token(args.token_file)
            with db.write() as s:
                new = admin.add_hub(s, args.hub, token, now=now)
            print(safe_text(f"hub {args.hub} {'added' if new else 'given a new token'}"))
        elif action in ("import-backorders", "import-returns", "import-catalog"):
            text = _read(args.file)
            with db.write() as s:
                if action == "import-backorders":
                    n = admin.upsert_lines(s, admin.parse_backorders(text), args.hub, now=now)
                elif action == "import-returns":
                    n = admin.upsert_returns(s, admin.parse_returns(text), args.hub, now=now)
                else:
                    n = admin.upsert_catalog(s, admin.parse_catalog(text), now=now)
            print(f"{n} rows imported")
        elif action == "cancel":
            with db.write() as s:
                admin.cancel_line(s, args.line, now=now)
            print(safe_text(f"line {args.line} cancelled"))
        elif action == "reassign":
            with db.write() as s:
                epoch = admin.reassign_line(s, args.line, args.to, now=now)
            print(safe_text(f"line {args.line} now belongs to {args.to} (epoch {epoch})"))
        elif action == "status":
            _status(db)
        return _common.EXIT_OK
    except admin.AdminError as exc:
        raise _common.BadInput(str(exc)) from None
    finally:
        db.dispose()


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8-sig") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise _common.BadInput(f"{path}: cannot read: {exc}") from None


def _token(path: str) -> str:
    import os

    from floor_app.sync.hq.admin import new_token

    if os.path.exists(path):
        token = _read(path).strip()
        if len(token) < 16:
            raise _common.BadInput(f"{path}: a token must be at least 16 characters")
        return token
    token = new_token()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return token


def _status(db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from floor_app.commands._common import safe_text
    from floor_app.sync.hq import tables as t

    with db.read() as s:
        for row in s.execute(select(t.hub.c.hub_id, t.hub.c.last_seq, t.hub.c.last_push_at)):
            lines = s.execute(
                select(func.count())
                .select_from(t.backorder_line)
                .where(t.backorder_line.c.hub_id == row.hub_id, t.backorder_line.c.status == "open")
            ).scalar_one()
            print(
                safe_text(
                    f"{row.hub_id}: last seq {row.last_seq}, last push "
                    f"{row.last_push_at or 'never'}, {lines} open lines"
                )
            )


def _serve(args: argparse.Namespace, db) -> int:  # type: ignore[no-untyped-def]
    import logging

    import uvicorn

    from floor_app.sync.hq.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app(db)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
    )
    return _common.EXIT_OK
