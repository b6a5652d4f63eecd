"""In-process cost of one signed ``GET /v2/accounts/{id}``: the app called as ASGI in a loop.

No sockets, no server, no load generator: what is left is the per-request work of the
app itself (gate, framework, database read, encoding), so a change on the hot path shows
up here in microseconds long before it is visible in ``signed_get.py``'s noisy figures.

    .venv/bin/python bench/inprocess.py [--requests 20000] [--profile] [--rounds 5]

Prints CPU microseconds per request (the best and the median of ``--rounds``); ``--profile``
also prints cProfile's top functions by own time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from reseller_api.app import create_app
from reseller_api.client.signing import authorization_header
from reseller_api.credentials.service import CredentialsService
from reseller_api.crypto import SecretBox
from reseller_api.settings import Settings
from reseller_api.store import migrate
from reseller_api.store.database import Database
from reseller_api.store.tables import accounts, resellers

SECRET_KEY = "N2q0n1XzXb0m2wqJ7b4Zb9Xk7yT6c0fQm3S8d1Lr5aE="


def build(data_dir: Path) -> tuple[Any, str, list[bytes]]:
    """An app on a fresh SQLite database with one key and one active account."""
    settings = Settings.from_env(
        {
            "RESELLER_API_DATA_DIR": str(data_dir),
            "RESELLER_API_SECRET_KEY": SECRET_KEY,
            "RESELLER_API_RATE_LIMIT": "100000000/minute",
        }
    )
    database = Database(settings.database_url)
    migrate.upgrade(database)
    created = CredentialsService(database, SecretBox.from_settings(settings)).create_key(
        "bench", ["127.0.0.1"]
    )
    with database.transaction() as conn:
        reseller_id = conn.execute(resellers.select().where(resellers.c.name == "bench")).first()[0]  # type: ignore[index]
        account_id = conn.execute(
            insert(accounts)
            .values(
                reseller_id=reseller_id,
                identifier="bench.example",
                servicepack_id=3,
                status="active",
                created_at=time.time(),
            )
            .returning(accounts.c.id)
        ).scalar_one()
    app = create_app(settings, database=database, run_jobs=False)
    target = f"/v2/accounts/{account_id}"
    key, secret = created.api_key, created.api_secret
    return app, target, [key.encode(), secret.encode()]


def scopes(target: str, key: str, secret: str, count: int, tag: str) -> list[dict[str, Any]]:
    """``count`` requests, each freshly signed with its own nonce (nonces are single-use)."""
    now = int(time.time())
    out = []
    for i in range(count):
        header = authorization_header(key, secret, "GET", target, timestamp=now, nonce=f"{tag}x{i}")
        out.append(
            {
                "type": "http",
                "asgi": {"version": "3.0", "spec_version": "2.3"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "path": target,
                "raw_path": target.encode(),
                "root_path": "",
                "query_string": b"",
                "headers": [
                    (b"host", b"127.0.0.1:8000"),
                    (b"user-agent", b"wrk"),
                    (b"authorization", header.encode()),
                ],
                "client": ("127.0.0.1", 40000 + i % 1000),
                "server": ("127.0.0.1", 8000),
                "state": {},
            }
        )
    return out


async def run(app: Any, batch: list[dict[str, Any]]) -> tuple[float, list[dict[str, Any]]]:
    request = {"type": "http.request", "body": b"", "more_body": False}

    async def receive() -> dict[str, Any]:
        return request

    last: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        last.append(message)
        if len(last) > 2:
            del last[0]

    # CPU time of this process, not wall time: other load on the machine then changes
    # the figure much less (cache effects remain).
    started = time.process_time()
    for scope in batch:
        await app(scope, receive, send)
    return time.process_time() - started, last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile the last round")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key (tottime, cumulative)")
    parser.add_argument("--top", type=int, default=35, help="functions to print with --profile")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reseller-inprocess-") as tmp:
        app, target, (key, secret) = build(Path(tmp))
        loop = asyncio.new_event_loop()
        # Warm up (first-use caches, compiled queries), and check the answer.
        _, last = loop.run_until_complete(
            run(app, scopes(target, key.decode(), secret.decode(), 200, "warm"))
        )
        start, body = last
        if start["status"] != 200:
            print(f"unexpected answer: {start} {body}", file=sys.stderr)
            return 1
        print(f"{target}: {start['status']} {body['body']!r}")
        print("headers:", [(k.decode(), v.decode()) for k, v in start["headers"]])
        timings: list[float] = []
        for round_no in range(args.rounds):
            batch = scopes(target, key.decode(), secret.decode(), args.requests, f"r{round_no}")
            profiler = cProfile.Profile() if args.profile and round_no == args.rounds - 1 else None
            if profiler:
                profiler.enable()
            elapsed, last = loop.run_until_complete(run(app, batch))
            if profiler:
                profiler.disable()
            if last[0]["status"] != 200:
                print(f"unexpected answer: {last}", file=sys.stderr)
                return 1
            timings.append(elapsed / args.requests * 1e6)
        print(
            f"us/request: best {min(timings):.1f}, median {statistics.median(timings):.1f} "
            f"({args.rounds} rounds of {args.requests}; profiled round excluded from best: "
            f"{'yes' if args.profile else 'n/a'})"
        )
        if args.profile:
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
