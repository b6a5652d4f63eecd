"""``serve`` and ``worker``: the long-running processes."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from typing import Any

import uvicorn

from reseller_api.backends import build_backends
from reseller_api.credentials.service import CredentialsService
from reseller_api.crypto import SecretBox
from reseller_api.jobs.runner import Runner
from reseller_api.settings import Settings
from reseller_api.store import migrate
from reseller_api.store.database import Database

log = logging.getLogger("reseller_api")
REASON_429 = b"Too many requests, retry later"


def use_api_reason_phrases() -> None:
    """The API text promises the reason phrase 'Too many requests, retry later' on 429.

    ASGI has no way to set a reason phrase, so we set it in uvicorn's status-line tables
    (httptools and h11 implementations), once, before the server starts.
    """
    from uvicorn.protocols.http import h11_impl, httptools_impl

    httptools_impl.STATUS_LINE[429] = b"HTTP/1.1 429 " + REASON_429 + b"\r\n"
    h11_impl.STATUS_PHRASES[429] = REASON_429


def uvicorn_options(log_level: str) -> dict[str, Any]:
    """How ``serve`` runs uvicorn (bench/'s baselines run under exactly the same).

    uvicorn picks uvloop and httptools itself (``uvicorn[standard]``). No access log (one
    log call per request; put a proxy in front for that) and no ``server`` header. No ``date``
    header either: the app sends ``Date`` itself, capitalised as the vendor does (uvicorn's
    is lowercase), on every response (health.Operations).
    ``proxy_headers`` is off: who the caller is behind a proxy is decided by the app alone,
    from ``RESELLER_API_TRUSTED_PROXIES`` (conventions/network.py), whereas uvicorn's layer
    would rewrite the peer address from ``X-Forwarded-For`` for any request from
    127.0.0.1 (its default), before the app sees it, and cost every request a layer.
    """
    return {
        "log_level": log_level.lower(),
        "access_log": False,
        "server_header": False,
        "date_header": False,
        "proxy_headers": False,
        "lifespan": "on",
    }


def print_bootstrap(settings: Settings, database: Database) -> None:
    created = CredentialsService(database, SecretBox.from_settings(settings)).bootstrap(
        settings.bootstrap_file
    )
    if created is None:
        return
    banner = (
        "\nFirst start: created reseller 'default' with an API key allowed from 127.0.0.1 and ::1.\n"
        f"  api_key:    {created.api_key}\n"
        f"  api_secret: {created.api_secret}\n"
        f"Saved to {settings.bootstrap_file} (mode 0600). The secret is not shown again.\n"
    )
    sys.stderr.write(banner)


def migrate_all(settings: Settings, database: Database) -> None:
    """Our schema (Alembic), then procrastinate's when it carries the jobs."""
    migrate.upgrade(database)
    if settings.job_runner == "procrastinate":
        from reseller_api.jobs.distributed import ensure_schema

        if ensure_schema(settings):
            log.info("applied procrastinate's schema")


def serve(settings: Settings, database: Database, host: str, port: int) -> int:
    from reseller_api.app import create_app

    migrate_all(settings, database)
    print_bootstrap(settings, database)
    use_api_reason_phrases()
    app = create_app(settings, database=database)
    log.info("serving the Public API v2 on http://%s:%d/v2 (docs: /v2/documentation)", host, port)
    # Everything built so far lives as long as the process: keep it out of the collector's
    # full passes, which otherwise stall the event loop for 40-300 ms (measured under load).
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=host, port=port, **uvicorn_options(settings.log_level))
    return 0


async def worker(settings: Settings, database: Database) -> int:
    """Run jobs alongside ``serve`` processes (which then run none).

    ``RESELLER_API_JOB_RUNNER=worker``: polls the job table (several workers share it by
    leases). ``procrastinate``: a procrastinate worker, ``RESELLER_API_WORKER_CONCURRENCY``
    jobs at a time, recovering the jobs of workers that died.
    """
    import reseller_api.app  # noqa: F401 - imports every resource package, registering job handlers

    migrate_all(settings, database)
    backends = build_backends(settings, database)
    runner: Runner
    if settings.job_runner == "procrastinate":
        from reseller_api.jobs.distributed import DistributedRunner

        runner = DistributedRunner(database, backends, settings)
    else:
        runner = Runner(database, backends)
    await runner.start(sole_runner=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker running provisioning jobs (%s runner); Ctrl-C to stop", settings.job_runner)
    await stop.wait()
    await runner.stop()
    return 0
