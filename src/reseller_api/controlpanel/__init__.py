"""The control panel at ``/controlpanel``: where resellers manage their API keys and whitelists.

Server-rendered pages (Jinja2 through Litestar's template engine), local static files,
server-side sessions, CSRF tokens on every form, and an audit log of every change made
through the panel or the API. It lives outside ``/v2``, so the HMAC gate lets it through;
``attach`` puts the API-activity recorder inside the gate and gives the panel the gate's
rate limiter, so the usage it shows is the one the gate enforces.
"""

from __future__ import annotations

from typing import Any

from reseller_api.controlpanel.audit import ApiActivity
from reseller_api.controlpanel.routes import ControlPanel
from reseller_api.controlpanel.web import STATIC, TEMPLATES, Panel, wrap_app_handlers
from reseller_api.credentials.service import CredentialsService

ROUTES: list[Any] = [ControlPanel, STATIC]


def attach(litestar: Any, gate: Any) -> None:
    """Wire the panel to a built app: ``gate`` is the Gate around ``litestar``."""
    context = litestar.state.context
    litestar.state.panel = Panel(
        context=context,
        credentials=CredentialsService(context.database, context.box),
        limiter=gate.limiter,
        default_rate_limit=context.settings.rate_limit,
    )
    gate.app = ApiActivity(gate.app, context.database, context.settings.trusted_proxies)


__all__ = ["ROUTES", "TEMPLATES", "attach", "wrap_app_handlers"]
