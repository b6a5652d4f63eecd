"""``create_app(settings)``: the ASGI application, gate included.

The returned object is the :class:`~reseller_api.conventions.gate.Gate` around the
Litestar app; ``.litestar`` and ``.context`` are there for tests and the CLI.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.di import Provide
from litestar.exceptions import MethodNotAllowedException, NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Server
from litestar.routes import HTTPRoute
from litestar.utils import normalize_path

from reseller_api import clock as installation_clock
from reseller_api import controlpanel, docs, documentation, openapi
from reseller_api.backends import Backends, build_backends
from reseller_api.context import AppContext
from reseller_api.conventions.admission import Admission
from reseller_api.conventions.bodies import ApiRequest, strict_bodies
from reseller_api.conventions.dependencies import provide_context, provide_credential, provide_page
from reseller_api.conventions.errors import EXCEPTION_HANDLERS
from reseller_api.conventions.gate import Gate
from reseller_api.conventions.idempotency import Idempotency
from reseller_api.conventions.idempotency_records import Records
from reseller_api.conventions.ratelimit import RateLimiter
from reseller_api.credentials import keyring
from reseller_api.credentials.cache import KeyCache
from reseller_api.crypto import SecretBox
from reseller_api.health import Operations
from reseller_api.jobs.runner import Runner
from reseller_api.resources import registry
from reseller_api.resources.accounts import routes as accounts_routes
from reseller_api.resources.webhooks.delivery import webhook_deliverer
from reseller_api.resources.webhooks.events import EventCatalogue
from reseller_api.resources.webhooks.layer import WebhookEvents
from reseller_api.settings import Settings, parse_rate_limit
from reseller_api.store.database import Database
from reseller_api.version import __version__

log = logging.getLogger("reseller_api")


BODIES = {
    False: "\nUnknown fields in request bodies are ignored, as the vendor's API ignores them (the "
    "default; a server started with `RESELLER_API_STRICT_BODIES=true` refuses them).\n",
    True: "\nUnknown fields in request bodies are refused on this server with 400 "
    "`request_body_unknown_field` (`RESELLER_API_STRICT_BODIES=true`; by default they are "
    "ignored, as the vendor's API ignores them).\n",
}


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    run_jobs: bool | None = None,
    clock: Callable[[], float] | None = None,
    box: SecretBox | None = None,
) -> Operations:
    database = database or Database(settings.database_url, pool_size=settings.db_pool_size)
    registry.install_jobs()  # the runner (here, or a worker's) runs every manifest's job kinds
    if box is None:
        # Refuses a key the database's secrets were not written with (credentials/keyring.py).
        box = keyring.open_box(settings, database, create=True)
        assert box is not None  # create=True: a box, or SecretKeyMismatch
    backends = build_backends(settings, database)
    if run_jobs is None:
        run_jobs = settings.job_runner == "embedded"
    runner = _runner(settings, database, backends, run_jobs=run_jobs)
    # The webhook events of the resources' writes, as their manifests declare them.
    catalogue = EventCatalogue(registry.webhook_events())
    context = AppContext(settings, database, box, backends, runner, catalogue.types)
    limiter = RateLimiter(settings.redis_url or "memory://", key_prefix=settings.redis_prefix)

    deliverer = webhook_deliverer(settings, database, box)
    sandbox = None
    if settings.sandbox:  # imported only here: a production server loads none of it
        from reseller_api.sandbox.runtime import Sandbox

        sandbox = Sandbox(database, runner)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        if sandbox is not None:  # its clock before anything reads the time
            await asyncio.to_thread(sandbox.start)
        try:
            if run_jobs:
                await runner.start(sole_runner=True)
                await deliverer.start(sole=True)
            yield
        finally:
            await deliverer.stop()
            await runner.stop()
            if sandbox is not None:
                sandbox.stop()
            # Async connections belong to this event loop: closed with it.
            await database.close_async()
            await limiter.close()

    litestar = Litestar(
        route_handlers=[
            *registry.controllers(),
            docs.redoc_js,
            docs.logo,
            docs.openapi_json,
            docs.error_codes,
            *controlpanel.ROUTES,
        ],
        template_config=controlpanel.TEMPLATES,
        dependencies={
            "context": Provide(provide_context, sync_to_thread=False),
            "credential": Provide(provide_credential, sync_to_thread=False),
            "page": Provide(provide_page, sync_to_thread=False),
        },
        exception_handlers=controlpanel.wrap_app_handlers(EXCEPTION_HANDLERS),
        openapi_config=OpenAPIConfig(
            title=documentation.TITLE,
            version="v2",
            description=documentation.description() + BODIES[settings.strict_bodies],
            path="/v2/documentation",
            servers=[Server(url="/")],
            render_plugins=[docs.redoc_plugin()],
            use_handler_docstrings=True,
        ),
        lifespan=[lifespan],
        request_class=ApiRequest,
        # Off by default: no per-request cost (conventions/bodies.py).
        before_request=strict_bodies if settings.strict_bodies else None,
        logging_config=None,
        debug=False,
    )
    litestar.state.context = context
    _fix_options_allow(litestar)
    openapi.polish(litestar.openapi_schema, strict_bodies=settings.strict_bodies)
    documentation.describe(litestar.openapi_schema)
    accounts_routes.describe_parameters(litestar.openapi_schema)
    route_status = _route_status(litestar)
    # Inside the gate: keys are per API key (docs/extensions.md).
    inner: Any = Idempotency(
        WebhookEvents(litestar, route_status=route_status, catalogue=catalogue, database=database),
        Records(database, box, ttl=settings.idempotency_ttl),
        routable=lambda method, path: route_status(method, path) is not None,
    )
    if sandbox is not None:
        # Inside the gate, which knows the caller's key (faults match on it), and outside
        # the idempotency layer, so an injected error stores no answer for the key.
        from reseller_api.sandbox.fixtures import Fixtures
        from reseller_api.sandbox.web import SandboxLayer

        fixtures = Fixtures(settings, database, box, backends, on_change=sandbox.changed)
        inner = SandboxLayer(inner, sandbox=sandbox, token=settings.sandbox_token, fixtures=fixtures)
    gate = Gate(
        inner,
        keys=KeyCache(database, box, settings.rate_limit),
        # A signature is accepted from max_age before its timestamp to max_age after, counted
        # in whole seconds (so up to a second more): Admission remembers its nonce that long.
        admission=Admission(limiter, settings.signature_max_age, settings.redis_prefix),
        limiter=limiter,
        failure_limit=parse_rate_limit(settings.auth_failure_limit),
        max_age=settings.signature_max_age,
        max_body=settings.max_body_bytes,
        trusted_proxies=settings.trusted_proxies,
        clock=clock or installation_clock.time,
        # The sandbox's clock may be a year ahead: a client's real clock is accepted too.
        wall=time.time if sandbox is not None and clock is None else None,
    )
    controlpanel.attach(litestar, gate)
    # /healthz, /readyz, /metrics and request metrics, around the gate (see health.py).
    operations = Operations(
        gate, settings=settings, database=database, runner=runner, runs_jobs=run_jobs, limiter=limiter
    )
    operations.litestar = litestar  # type: ignore[attr-defined]
    operations.context = context  # type: ignore[attr-defined]
    operations.deliverer = deliverer  # type: ignore[attr-defined]
    operations.sandbox = sandbox  # type: ignore[attr-defined]
    return operations


def _route_status(litestar: Litestar) -> Callable[[str, str], int | None]:
    """The status code of the handler ``litestar`` routes a method and path to; None for a 404 or 405."""

    def route_status(method: str, path: str) -> int | None:
        try:
            _, handler, *_ = litestar.asgi_router.handle_routing(path=normalize_path(path), method=method)
        except (NotFoundException, MethodNotAllowedException):
            return None
        return int(getattr(handler, "status_code", None) or 200)

    return route_status


def _runner(settings: Settings, database: Database, backends: Backends, *, run_jobs: bool) -> Runner:
    if settings.job_runner != "procrastinate":
        return Runner(database, backends)
    # procrastinate (and psycopg_pool) only where they carry the jobs: about 12 MB of RSS.
    from reseller_api.jobs.distributed import choose_runner

    return choose_runner(settings, database, backends, run_jobs=run_jobs)


def _fix_options_allow(litestar: Litestar) -> None:
    """Make automatic OPTIONS answers list every method of their path.

    Litestar 2.25 builds one route per handler path and merges routes that share a path
    (GET and POST on /v2/accounts); the merged route keeps the OPTIONS handler of the
    first partial route, whose closure still lists only that route's methods, so
    ``Allow`` is wrong. We give those stale routes the merged route's methods.
    """
    for route in litestar.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if handler.handler_name != "options_handler":
                continue
            for cell in handler.fn.__closure__ or ():
                stale = cell.cell_contents
                if isinstance(stale, HTTPRoute) and stale is not route:
                    stale.methods = route.methods


__all__ = ["__version__", "create_app"]
