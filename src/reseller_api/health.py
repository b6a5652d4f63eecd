"""Operations endpoints and request metrics, outside ``/v2`` (so outside the HMAC gate).

- ``GET /healthz``: the process is alive (no dependency is checked: a load balancer must
  not take every process out because the database blinked).
- ``GET /readyz``: the database answers, Redis answers (when configured) and the job
  runner is there (embedded: its loop is alive; procrastinate: a worker has beaten
  recently). 200 ``{"status": "ready", "checks": {...}}`` or 503 ``"unready"``.
- ``GET /metrics``: Prometheus text format: requests by route and status, a latency
  histogram, provisioning jobs by status, rate-limit refusals.

:class:`Operations` wraps the whole ASGI app (gate included) so that the gate's own 401
and 429 answers are counted, and so that a Redis outage (shared rate limits and nonces)
becomes a JSON 503 instead of a bare 500.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import redis
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from reseller_api import errors
from reseller_api.conventions.responses import DATE, RETRY_AFTER, error_body, http_date, send_json
from reseller_api.jobs import service as jobs
from reseller_api.jobs.runner import Runner
from reseller_api.settings import Settings
from reseller_api.store.database import Database

log = logging.getLogger("reseller_api.health")
ASGIApp = Callable[..., Awaitable[None]]
PATHS = ("/healthz", "/readyz", "/metrics")

REQUESTS = Counter(
    "reseller_api_requests",
    "HTTP requests answered, by route template and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "reseller_api_request_duration_seconds",
    "Time to answer a request, by route template",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
JOBS = Gauge("reseller_api_jobs", "Provisioning jobs in the database, by status", ["status"])
JOB_STATUSES = (jobs.ONGOING, jobs.FINISHED, jobs.FAILED, jobs.CANCELLED)


class Operations:
    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: Settings,
        database: Database,
        runner: Runner,
        runs_jobs: bool,
        redis_client: redis.Redis | None = None,
    ) -> None:
        self.app = app
        self.settings = settings
        self.database = database
        self.runner = runner
        self.runs_jobs = runs_jobs
        self.redis = redis_client
        if redis_client is None and settings.redis_url:
            self.redis = redis.Redis.from_url(settings.redis_url, socket_timeout=2.0)
        # The metric children, by label values: ``labels()`` validates and joins its
        # arguments under a lock on every call (about 5 us a request, measured); the label
        # sets are few (route templates x methods x statuses), so we keep the children.
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[str, Any] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path in PATHS:
            await self._operations(path, send)
            return
        started = time.perf_counter()
        status = 500
        response_started = False

        async def watch(message: dict[str, Any]) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                response_started = True
                # Our Date, named as the vendor sends it (serve turns uvicorn's lowercase one off).
                # A new message: the app may keep (and reuse) the one it sent.
                message = {**message, "headers": [*message.get("headers", ()), (DATE, http_date())]}
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except (redis.RedisError, psycopg.OperationalError, DBAPIError) as exc:
            # The gate reads keys from the database and, at scale-out, limits and nonces
            # from Redis, outside the framework's exception handlers: an outage of
            # either is a JSON 503 (retry later), never a bare 500.
            if isinstance(exc, DBAPIError) and not _is_outage(exc):
                raise
            log.warning("dependency unavailable on %s %s: %s", scope.get("method"), path, exc)
            if response_started:
                raise
            status = 503
            body = error_body(errors.UNAVAILABLE.code, errors.UNAVAILABLE.text)
            await send_json(send, 503, body, [(RETRY_AFTER, b"5"), (DATE, http_date())])
        finally:
            # The route template keeps the label set small (/v2/accounts/{account_id:int});
            # requests refused before routing are "unmatched".
            route = scope.get("path_template") or "unmatched"
            self._count(scope.get("method", ""), route, status, time.perf_counter() - started)

    def _count(self, method: str, route: str, status: int, seconds: float) -> None:
        counter = self._counters.get((method, route, status))
        if counter is None:
            counter = self._counters[method, route, status] = REQUESTS.labels(method, route, str(status))
        counter.inc()
        histogram = self._histograms.get(route)
        if histogram is None:
            histogram = self._histograms[route] = LATENCY.labels(route)
        histogram.observe(seconds)

    async def _operations(self, path: str, send: Any) -> None:
        if path == "/healthz":
            await _send_json(send, 200, {"status": "ok"})
        elif path == "/readyz":
            checks = await self.readiness()
            ready = all(value == "ok" for value in checks.values())
            body = {"status": "ready" if ready else "unready", "checks": checks}
            await _send_json(send, 200 if ready else 503, body)
        else:
            counts = await asyncio.to_thread(self._job_counts)
            for status in {*JOB_STATUSES, *counts}:
                JOBS.labels(status).set(counts.get(status, 0))
            payload = generate_latest(REGISTRY)
            await _send(send, 200, payload, [(b"content-type", CONTENT_TYPE_LATEST.encode())])

    def _job_counts(self) -> dict[str, int]:
        try:
            return jobs.counts_by_status(self.database)
        except DBAPIError:
            return {}

    async def readiness(self) -> dict[str, str]:
        return await asyncio.to_thread(self._readiness)

    def _readiness(self) -> dict[str, str]:
        checks = {"database": "ok", "redis": "not configured", "runner": "ok"}
        try:
            with self.database.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except DBAPIError as exc:
            checks["database"] = f"unavailable: {type(exc.orig).__name__}"
        if self.redis is not None:
            try:
                self.redis.ping()
                checks["redis"] = "ok"
            except redis.RedisError as exc:
                checks["redis"] = f"unavailable: {type(exc).__name__}"
        checks["runner"] = self._runner_check(checks["database"] == "ok")
        if checks["redis"] == "not configured":
            del checks["redis"]
        return checks

    def _runner_check(self, database_ok: bool) -> str:
        runner = self.settings.job_runner
        if self.runs_jobs:
            return "ok" if self.runner.running else "stopped"
        if runner == "procrastinate" and database_ok:
            return "ok" if _live_workers(self.database) > 0 else "no live worker"
        if runner == "procrastinate":
            return "unknown"
        return "ok"  # "worker": external workers, which this process cannot see


def _is_outage(exc: DBAPIError) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError)) or exc.connection_invalidated


def _live_workers(database: Database) -> int:
    """procrastinate workers that have beaten within their stalled timeout."""
    from reseller_api.jobs.distributed import STALLED

    try:
        with database.engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM procrastinate_workers "
                        "WHERE last_heartbeat > now() - make_interval(secs => :stalled)"
                    ),
                    {"stalled": STALLED},
                ).scalar_one()
            )
    except DBAPIError:
        return 0


async def _send_json(
    send: Any, status: int, body: object, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", b"application/json"), *(extra or [])]
    await _send(send, status, json.dumps(body).encode(), headers)


async def _send(send: Any, status: int, payload: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [
        *headers,
        (b"content-length", str(len(payload)).encode()),
        (b"cache-control", b"no-store"),
        (DATE, http_date()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
