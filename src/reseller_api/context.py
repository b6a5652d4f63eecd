"""The objects one server process shares, built once by ``create_app`` and injected into handlers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import Dependency
from litestar.params import SkipValidationMarker

from reseller_api.backends import Backends
from reseller_api.conventions.gate import CREDENTIAL_SCOPE_KEY
from reseller_api.conventions.paging import Page
from reseller_api.credentials.cache import Credential
from reseller_api.crypto import SecretBox
from reseller_api.errors import AUTH_HEADER_MISSING, ApiProblem
from reseller_api.jobs.runner import Runner
from reseller_api.settings import Settings
from reseller_api.store.database import Database


@dataclass(slots=True)
class AppContext:
    settings: Settings
    database: Database
    box: SecretBox
    backends: Backends
    runner: Runner


def provide_context(state: State) -> AppContext:
    context: AppContext = state.context
    return context


def provide_credential(
    request: Request[Any, Any, Any],
    context: Annotated[AppContext, Dependency(kind="named"), SkipValidationMarker()],
) -> Credential:
    """The authenticated key, put in the scope by the gate (every /v2 route is behind it).

    ``context`` is unused: depending on it chains the providers (context, then credential,
    then page) so Litestar resolves one per batch and awaits it directly. Independent
    providers share a batch, which Litestar runs in an anyio task group: measured at about
    a third of a signed GET's time.
    """
    return credential_of(request.scope)


def context_of(scope: Any) -> AppContext:
    """The app's context, from the ASGI scope (for handlers that skip dependency injection)."""
    context: AppContext = scope["litestar_app"].state.context
    return context


def credential_of(scope: Any) -> Credential:
    """The authenticated key the gate put in the scope (for handlers that skip dependency injection).

    Every ``/v2`` route is behind the gate; should a request ever reach one without passing
    it, it is refused as unauthenticated (401), never answered as an internal error.
    """
    try:
        credential: Credential = scope[CREDENTIAL_SCOPE_KEY]
    except KeyError:
        raise ApiProblem(AUTH_HEADER_MISSING) from None
    return credential


# What handlers declare: explicit named dependencies (as Litestar 3 requires), not
# re-validated per request, since we build these objects ourselves.
Context = Annotated[AppContext, Dependency(kind="named"), SkipValidationMarker()]
Caller = Annotated[Credential, Dependency(kind="named"), SkipValidationMarker()]
Paging = Annotated[Page, Dependency(kind="named"), SkipValidationMarker()]
