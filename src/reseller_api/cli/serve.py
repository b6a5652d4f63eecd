"""``serve`` and ``worker``: the long-running processes."""

from __future__ import annotations

import asyncio
import gc
import logging
import math
import signal
import sys
from typing import Any, TextIO

import uvicorn

from reseller_api.backends import build_backends
from reseller_api.cli.connections import ConnectionLimits, fit_file_limit, guarded_protocol
from reseller_api.credentials import keyring
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


def uvicorn_options(log_level: str, limits: ConnectionLimits | None = None) -> dict[str, Any]:
    """How ``serve`` runs uvicorn (bench/'s baselines run under exactly the same).

    uvicorn picks uvloop itself (``uvicorn[standard]``); the HTTP protocol is httptools with
    the deadlines and the connection cap of cli/connections.py. No logging set-up of its
    own (``log_config=None``: its lines go through ours, one format, see logs.py), no access
    log of its own (``RESELLER_API_ACCESS_LOG`` turns on ours, which knows the route, the
    reseller and the request id), no ``server`` header, no WebSocket (the API has none).
    No ``date`` header either: the app sends ``Date`` itself, capitalised as the vendor does
    (uvicorn's is lowercase), on every response (health.Operations).
    ``proxy_headers`` is off: who the caller is behind a proxy is decided by the app alone,
    from ``RESELLER_API_TRUSTED_PROXIES`` (conventions/network.py), whereas uvicorn's layer
    would rewrite the peer address from ``X-Forwarded-For`` for any request from
    127.0.0.1 (its default), before the app sees it, and cost every request a layer.
    """
    limits = limits or ConnectionLimits()
    return {
        "log_level": log_level.lower(),
        "log_config": None,
        "access_log": False,
        "server_header": False,
        "date_header": False,
        "proxy_headers": False,
        "lifespan": "on",
        "http": guarded_protocol(limits),
        "ws": "none",
        # uvicorn's own idle timer, beside ours (which also covers a connection's first request).
        "timeout_keep_alive": max(1, math.ceil(limits.keep_alive)),
    }


def connection_limits(settings: Settings) -> ConnectionLimits:
    return fit_file_limit(
        ConnectionLimits(
            header_timeout=settings.header_timeout,
            body_timeout=settings.body_timeout,
            keep_alive=settings.keep_alive_timeout,
            max_connections=settings.max_connections,
        )
    )


def print_bootstrap(
    settings: Settings,
    database: Database,
    box: SecretBox,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> None:
    """On an empty database, create the first key and say where its secret is.

    The secret goes to the 0600 file, and to the terminal only when someone sits at one
    (stdin and stdout both a TTY): under systemd or a container, stdout and stderr are a
    journal that many can read and that keeps everything. The log says only where the
    file is.
    """
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    created = CredentialsService(database, box).bootstrap(settings.bootstrap_file)
    if created is None:
        return
    log.info(
        "first start: created reseller 'default' with an API key allowed from 127.0.0.1 and ::1; "
        "its key and secret are in %s (mode 0600)",
        settings.bootstrap_file,
    )
    if not (_is_terminal(stdin) and _is_terminal(stdout)):
        return
    stdout.write(
        "\nFirst start: created reseller 'default' with an API key allowed from 127.0.0.1 and ::1.\n"
        f"  api_key:    {created.api_key}\n"
        f"  api_secret: {created.api_secret}\n"
        f"Saved to {settings.bootstrap_file} (mode 0600). The secret is not shown again.\n\n"
    )
    stdout.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed streams
        return False


def prepare_database(settings: Settings, database: Database) -> None:
    """Our schema (migrated, or a one-line refusal when it does not fit the code), then
    procrastinate's when it carries the jobs."""
    from reseller_api.resources import registry

    migrate.prepare(database, registry.schema())
    if settings.job_runner == "procrastinate":
        from reseller_api.jobs.distributed import ensure_schema

        if ensure_schema(settings):
            log.info("applied procrastinate's schema")


def serve(settings: Settings, database: Database, host: str, port: int) -> int:
    from reseller_api.app import create_app

    prepare_database(settings, database)
    box = keyring.open_box(settings, database, create=True)
    assert box is not None  # create=True: a box, or SecretKeyMismatch
    print_bootstrap(settings, database, box)
    use_api_reason_phrases()
    app = create_app(settings, database=database, box=box)
    log.info("serving the Public API v2 on http://%s:%d/v2 (docs: /v2/documentation)", host, port)
    # Everything built so far lives as long as the process: keep it out of the collector's
    # full passes, which otherwise stall the event loop for 40-300 ms (measured under load).
    gc.collect()
    gc.freeze()
    options = uvicorn_options(settings.log_level, connection_limits(settings))
    uvicorn.run(app, host=host, port=port, **options)
    return 0


async def worker(settings: Settings, database: Database) -> int:
    """Run jobs alongside ``serve`` processes (which then run none).

    ``RESELLER_API_JOB_RUNNER=worker``: polls the job table (several workers share it by
    leases). ``procrastinate``: a procrastinate worker, ``RESELLER_API_WORKER_CONCURRENCY``
    jobs at a time, recovering the jobs of workers that died.
    """
    # The job kinds come from the manifests, which import no web framework: a worker never
    # loads Litestar (tests/unit/test_worker_imports.py).
    from reseller_api.resources import registry
    from reseller_api.resources.webhooks.delivery import webhook_deliverer

    registry.install_jobs()
    prepare_database(settings, database)
    # A worker reads no secret, but one machine of a deployment with the wrong key is a
    # mistake to stop at once (never generating one: that would be another wrong key).
    box = keyring.open_box(settings, database, create=False)
    backends = build_backends(settings, database)
    runner: Runner
    if settings.job_runner == "procrastinate":
        from reseller_api.jobs.distributed import DistributedRunner

        runner = DistributedRunner(database, backends, settings)
    else:
        runner = Runner(database, backends)
    await runner.start(sole_runner=False)
    # Webhook deliveries go out from where jobs run (they need the secret key to sign).
    deliverer = None if box is None else webhook_deliverer(settings, database, box)
    if deliverer is not None:
        await deliverer.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker running provisioning jobs (%s runner); Ctrl-C to stop", settings.job_runner)
    await stop.wait()
    if deliverer is not None:
        await deliverer.stop()
    await runner.stop()
    return 0
