"""Operations endpoints, request metrics, request ids and the last word on errors.

- ``GET /healthz``: the process is alive (no dependency is checked: a load balancer must
  not take every process out because the database blinked).
- ``GET /readyz``: what *this* API process needs to answer: the database and, when
  configured, Redis. 200 ``{"status": "ready", "checks": {...}}`` or 503 ``"unready"``.
  Job runners are not checked: a worker outage must not drain every API process from
  the load balancer (accepted jobs wait in the database); it shows in ``/metrics`` and
  ``reseller-api status``.
- ``GET /metrics``: Prometheus text format: requests by route and status, a latency
  histogram, provisioning jobs by status, jobs waiting for a runner and for how long,
  live job runners, rate-limit refusals.

:class:`Operations` wraps the whole ASGI app (gate included) so that the gate's own 401
and 429 answers are counted and carry ``X-Request-Id``, so that a Redis or database outage
becomes a JSON 503, and so that nothing at all escapes to uvicorn, whose own answer would
be a text/plain 500: whatever is raised becomes the API's JSON 500, with the request id as
the reference in the answer and in the log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import redis
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from reseller_api import clock, errors
from reseller_api.conventions.errors import is_outage
from reseller_api.conventions.gate import CREDENTIAL_SCOPE_KEY
from reseller_api.conventions.network import from_trusted_proxy
from reseller_api.conventions.ratelimit import RateLimiter
from reseller_api.conventions.responses import CONTENT_TYPE, DATE, JSON, RETRY_AFTER, http_date
from reseller_api.jobs import service as jobs
from reseller_api.jobs.runner import Runner
from reseller_api.logs import ACCESS, CURRENT_REQUEST, REQUEST_ID_SCOPE_KEY, RequestInfo
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.driver import DatabaseUnavailable

log = logging.getLogger("reseller_api.health")
ASGIApp = Callable[..., Awaitable[None]]
PATHS = ("/healthz", "/readyz", "/metrics")
# An X-Request-Id we take from a trusted proxy: short, and nothing a log line could be forged with.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")

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
JOBS_WAITING = Gauge(
    "reseller_api_jobs_waiting", "Provisioning jobs that are due and that no runner has taken yet"
)
JOBS_OLDEST_WAITING = Gauge(
    "reseller_api_jobs_oldest_waiting_seconds",
    "How long the longest-waiting due job has waited for a runner (0 when none waits)",
)
RUNNERS = Gauge(
    "reseller_api_job_runners",
    "Live job runners: procrastinate workers that beat recently (every process sees them all), "
    "or this process's embedded runner (1 or 0); absent for RESELLER_API_JOB_RUNNER=worker",
)
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
        limiter: RateLimiter | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter  # the gate's: its Redis connections are ours to close (dispose)
        self.settings = settings
        self.database = database
        self.runner = runner
        self.runs_jobs = runs_jobs
        self.redis = redis_client
        if redis_client is None and settings.redis_url:
            self.redis = redis.Redis.from_url(settings.redis_url, socket_timeout=2.0)
        self.access_log = settings.access_log
        self.trusted = settings.trusted_proxies
        # The metric children, by label values: ``labels()`` validates and joins its
        # arguments under a lock on every call (about 5 us a request, measured); the label
        # sets are few (route templates x methods x statuses), so we keep the children.
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[str, Any] = {}

    def dispose(self) -> None:
        """Close the Redis connections the app holds, without an event loop.

        The lifespan's shutdown closes them on its loop; an app called without its
        lifespan (tests call it once per event loop) is disposed of with this.
        """
        if self.limiter is not None:
            self.limiter.dispose()
        if self.redis is not None:
            self.redis.close()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        method = scope.get("method", "")
        request_id = self._request_id(scope)
        scope[REQUEST_ID_SCOPE_KEY] = request_id
        request = RequestInfo(request_id, method, path)
        token = CURRENT_REQUEST.set(request)
        header = (b"x-request-id", request_id.encode())
        started = time.perf_counter()
        status = 500
        response_started = False

        async def watch(message: dict[str, Any]) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                response_started = True
                # Our Date, named as the vendor sends it (serve turns uvicorn's lowercase one off),
                # and the request id. A new message: the app may keep (and reuse) the one it sent.
                message = {
                    **message,
                    "headers": [*message.get("headers", ()), header, (DATE, http_date())],
                }
            await send(message)

        try:
            if path in PATHS:
                await self._operations(path, watch)
            else:
                await self.app(scope, receive, watch)
        except (redis.RedisError, psycopg.OperationalError, DBAPIError, DatabaseUnavailable) as exc:
            # The gate reads keys from the database and, at scale-out, limits and nonces
            # from Redis, outside the framework's exception handlers: an outage of
            # either is a JSON 503 (retry later), never a bare 500.
            if response_started:
                raise
            if isinstance(exc, DBAPIError) and not is_outage(exc):
                await self._unexpected(exc, request, watch)
            else:
                log.warning("dependency unavailable on %s %s: %s", method, path, exc)
                await _send_json(
                    watch,
                    503,
                    {"error_code": errors.UNAVAILABLE.code, "error_text": errors.UNAVAILABLE.text},
                    [(RETRY_AFTER, b"5")],
                )
        except Exception as exc:
            if response_started:
                raise  # the status line is out: all uvicorn can do is close the connection
            await self._unexpected(exc, request, watch)
        finally:
            seconds = time.perf_counter() - started
            # The route template keeps the label set small (/v2/accounts/{account_id});
            # requests refused before routing are "unmatched".
            route = scope.get("path_template") or "unmatched"
            if path not in PATHS:  # probes and scrapes are neither counted nor access-logged
                self._count(method, route, status, seconds)
                if self.access_log:
                    self._access(scope, request, route, status, seconds)
            CURRENT_REQUEST.reset(token)

    def _request_id(self, scope: dict[str, Any]) -> str:
        """A trusted proxy's ``X-Request-Id`` (so its log and ours correlate), else a new one."""
        if from_trusted_proxy(scope, self.trusted):
            for name, value in scope["headers"]:
                if name == b"x-request-id":
                    sent = str(value.decode("latin-1")).strip()
                    if REQUEST_ID.fullmatch(sent):
                        return sent
                    break
        return secrets.token_hex(8)

    async def _unexpected(self, exc: Exception, request: RequestInfo, send: Any) -> None:
        """The API's JSON 500 for whatever a layer or handler let through (never uvicorn's text)."""
        reference = request.request_id
        log.error("unexpected error %s on %s %s", reference, request.method, request.path, exc_info=exc)
        message = f"{errors.INTERNAL.text} Reference: {reference}."
        body = {"error_code": errors.INTERNAL.code, "error_text": message}
        await _send_json(send, 500, body, [(b"x-correlation-id", reference.encode())])

    def _access(
        self, scope: dict[str, Any], request: RequestInfo, route: str, status: int, seconds: float
    ) -> None:
        request.route = None if route == "unmatched" else route
        request.status = status
        request.duration_ms = round(seconds * 1000, 3)
        credential = scope.get(CREDENTIAL_SCOPE_KEY)
        if credential is not None:
            request.reseller_id = credential.reseller_id
            request.key_id = credential.key_id
        ACCESS.info("%s %s %d %.1fms", request.method, request.path, status, seconds * 1000)

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
            await asyncio.to_thread(self._update_job_gauges)
            payload = generate_latest(REGISTRY)
            await _send(send, 200, payload, [(b"content-type", CONTENT_TYPE_LATEST.encode())])

    def _update_job_gauges(self) -> None:
        """Read at scrape time from the database, so every process reports the same queue."""
        try:
            counts = jobs.counts_by_status(self.database)
            waiting = jobs.waiting(self.database, clock.time())
        except DBAPIError:
            return
        for status in {*JOB_STATUSES, *counts}:
            JOBS.labels(status).set(counts.get(status, 0))
        JOBS_WAITING.set(waiting.count)
        JOBS_OLDEST_WAITING.set(round(waiting.oldest_seconds, 3))
        runners = live_runners(self.settings, self.database, self.runner if self.runs_jobs else None)
        if runners is not None:
            RUNNERS.set(runners)

    async def readiness(self) -> dict[str, str]:
        return await asyncio.to_thread(self._readiness)

    def _readiness(self) -> dict[str, str]:
        checks = {"database": "ok"}
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
        return checks


def live_runners(settings: Settings, database: Database, own: Runner | None) -> int | None:
    """How many job runners are alive: procrastinate workers that beat within their stalled
    timeout (seen alike from every process), or ``own``, this process's embedded runner.
    None: cannot tell from here (``JOB_RUNNER=worker``: its workers leave no trace until
    they take a job; ``reseller_api_jobs_oldest_waiting_seconds`` shows them missing)."""
    if settings.job_runner == "procrastinate":
        from reseller_api.jobs.distributed import live_workers

        return live_workers(database)
    if own is not None:
        return 1 if own.running else 0
    return None


async def _send_json(
    send: Any, status: int, body: object, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(CONTENT_TYPE, JSON), *(extra or [])]
    await _send(send, status, json.dumps(body).encode(), headers)


async def _send(send: Any, status: int, payload: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [
        *headers,
        (b"content-length", str(len(payload)).encode()),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
