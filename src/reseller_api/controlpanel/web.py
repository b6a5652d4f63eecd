"""The panel's web plumbing: its state, templates, static files, headers and error pages.

Errors in the panel are HTML pages, not the API's JSON: the panel's router maps the same
domain exceptions (``ApiProblem``) and its own (not signed in, CSRF refused, a form sent
twice) to pages, and :func:`wrap_app_handlers` answers unknown ``/controlpanel/...`` URLs
(which never reach the panel's router) with the panel's own page.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request, Response
from litestar.datastructures import ResponseHeader
from litestar.di import Dependency
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.params import SkipValidationMarker
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from reseller_api.context import AppContext
from reseller_api.controlpanel import forms, sessions
from reseller_api.controlpanel.sessions import PanelSession
from reseller_api.controlpanel.throttle import SignInThrottle
from reseller_api.conventions.network import client_address
from reseller_api.conventions.ratelimit import RateLimiter
from reseller_api.credentials.service import CredentialsService, short_key
from reseller_api.errors import ApiProblem

HERE = Path(__file__).parent
PREFIX = "/controlpanel"


@dataclass
class Panel:
    """What the panel's handlers share; ``limiter`` is the gate's, so usage figures are live."""

    context: AppContext
    credentials: CredentialsService
    limiter: RateLimiter
    default_rate_limit: str
    throttle: SignInThrottle = field(default_factory=SignInThrottle)

    def address(self, request: Request[Any, Any, Any]) -> str:
        found = client_address(request.scope, self.context.settings.trusted_proxies)  # type: ignore[arg-type]
        return "unknown" if found is None else str(found)

    def is_https(self, request: Request[Any, Any, Any]) -> bool:
        """Over HTTPS, directly or through a trusted proxy that says so: then cookies are Secure."""
        if request.url.scheme == "https":
            return True
        peer = request.scope.get("client")
        try:
            peer_address = ipaddress.ip_address(peer[0]) if peer else None
        except ValueError:
            return False
        if peer_address is None or not any(peer_address in n for n in self.context.settings.trusted_proxies):
            return False
        return request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower() == "https"


class NotSignedIn(Exception):
    """No valid session: the browser goes to the sign-in page."""


class CsrfRefused(Exception):
    """A form without the token we issued: possibly forged by another site."""


def provide_panel(request: Request[Any, Any, Any]) -> Panel:
    panel: Panel = request.app.state.panel
    return panel


def provide_session(request: Request[Any, Any, Any]) -> PanelSession:
    found = sessions.load(
        provide_panel(request).context.database, request.cookies.get(sessions.SESSION_COOKIE)
    )
    if found is None:
        raise NotSignedIn
    return found


# What handlers declare (explicit named dependencies, as in ``context.py``).
PanelDep = Annotated[Panel, Dependency(kind="named"), SkipValidationMarker()]
SignedIn = Annotated[PanelSession, Dependency(kind="named"), SkipValidationMarker()]


def when(ts: float | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["short_key"] = short_key
    env.globals["form_fields"] = forms.hidden_fields
    return env


TEMPLATES = TemplateConfig(engine=JinjaTemplateEngine.from_environment(_environment()))

STATIC = create_static_files_router(
    path=f"{PREFIX}/static", directories=[HERE / "static"], include_in_schema=False, name="panel_static"
)

# No caching (pages may show a secret once), no framing, no referrer (set-password links
# carry a token), scripts and styles only from ourselves.
SECURITY_HEADERS = [
    ResponseHeader(name="Cache-Control", value="no-store"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="no-referrer"),
    ResponseHeader(
        name="Content-Security-Policy",
        value="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
]


def page(
    name: str,
    session: PanelSession | None = None,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    return Template(
        template_name=name,
        context={"session": session, "prefix": PREFIX, **context},
        status_code=status_code,
    )


def redirect(path: str) -> Redirect:
    return Redirect(path=f"{PREFIX}{path}", status_code=303)


_NEXT = re.compile(r"^/[A-Za-z0-9._~%/?=&+-]*$")
# The page a form's action belongs to: where to go back to after signing in again.
_FORM_PAGES = [
    (re.compile(r"^/keys/([0-9a-f]{8,64})/.*$"), r"/keys/\1"),
    (re.compile(r"^/webhooks/([0-9]{1,10})/.*$"), r"/webhooks/\1"),
    (re.compile(r"^/signout$"), "/"),
]


def safe_next(value: str | None) -> str:
    """A panel path (without the prefix) that is safe to redirect to after sign-in, or ''."""
    if not value or len(value) > 300 or value.startswith("//") or not _NEXT.match(value):
        return ""
    return value


def _message(
    request: Request[Any, Any, Any], status: int, title: str, text: str, back: str = "/"
) -> Response[Any]:
    session = None
    with contextlib.suppress(NotSignedIn):
        session = provide_session(request)
    return page("message.html", session, status_code=status, title=title, text=text, back=back)


def on_not_signed_in(request: Request[Any, Any, Any], _: NotSignedIn) -> Response[Any]:
    """To the sign-in page, and back here after it; a form sent meanwhile is said to be lost."""
    path = request.url.path.removeprefix(PREFIX) or "/"
    had_session = bool(request.cookies.get(sessions.SESSION_COOKIE))
    if request.method == "POST":
        for pattern, target in _FORM_PAGES:
            path = pattern.sub(target, path)
        back = f"{path}?notice=resend" if path != "/" else "/"
        return redirect("/signin?" + urlencode({"next": back, "notice": "expired"}))
    if request.url.query:
        path += f"?{request.url.query}"
    query = {"next": path} if path != "/" else {}
    if had_session:
        query["notice"] = "expired"
    return redirect("/signin" + (f"?{urlencode(query)}" if query else ""))


def on_already_done(request: Request[Any, Any, Any], exc: forms.AlreadyDone) -> Response[Any]:
    return _message(
        request,
        200,
        "Already done",
        "This form was sent before and has already been acted on; nothing was done twice.",
        back=exc.done_path or "/",
    )


def on_csrf(request: Request[Any, Any, Any], _: CsrfRefused) -> Response[Any]:
    return _message(
        request,
        403,
        "Form expired",
        "This form was not issued to you (or has expired). Reload the page and try again.",
    )


def on_problem(request: Request[Any, Any, Any], exc: ApiProblem) -> Response[Any]:
    title = "Not found" if exc.error.status == 404 else "Not possible"
    return _message(request, exc.error.status, title, exc.text)


def on_bad_request(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code == 404:
        return _message(request, 404, "Not found", "There is nothing here.")
    if exc.status_code == 405:
        return _message(request, 405, "Not possible", "This page cannot be used that way.")
    return _message(request, exc.status_code, "Bad request", "The form could not be read.")


def wrap_app_handlers(handlers: dict[Any, Any]) -> dict[Any, Any]:
    """The app's 404 and 405 handlers, answering with the panel's page under ``/controlpanel``."""
    wrapped = dict(handlers)
    for kind in (NotFoundException, MethodNotAllowedException):
        api_handler = handlers[kind]

        def handler(
            request: Request[Any, Any, Any], exc: HTTPException, api_handler: Any = api_handler
        ) -> Response[Any]:
            path = request.url.path
            if path == PREFIX or path.startswith(f"{PREFIX}/"):
                panel_page = on_bad_request(request, exc)
                panel_page.headers.update({h.name: h.value or "" for h in SECURITY_HEADERS})
                return panel_page
            response: Response[Any] = api_handler(request, exc)
            return response

        wrapped[kind] = handler
    return wrapped


EXCEPTION_HANDLERS: dict[Any, Any] = {
    NotSignedIn: on_not_signed_in,
    CsrfRefused: on_csrf,
    forms.AlreadyDone: on_already_done,
    ApiProblem: on_problem,
    ValidationException: on_bad_request,
    HTTPException: on_bad_request,
}
