"""Litestar's dependency providers and the annotations handlers declare to receive them.

The web layer's side of :class:`~reseller_api.context.AppContext`: routes and ``app.py``
import this module, services never do (they take the plain context).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import Dependency
from litestar.params import Parameter, SkipValidationMarker

from reseller_api.context import AppContext
from reseller_api.conventions.gate import CREDENTIAL_SCOPE_KEY
from reseller_api.conventions.paging import DEFAULT_TAKE, MAX_TAKE, Page
from reseller_api.credentials.cache import Credential
from reseller_api.errors import AUTH_HEADER_MISSING, ApiProblem
from reseller_api.wire.integers import INT32_MAX


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


def provide_page(
    # Unused: chains paging after the credential (see provide_credential for why).
    credential: Annotated[object, Dependency(kind="named"), SkipValidationMarker()],
    skip: Annotated[
        int,
        Parameter(description="The number of items to skip in the resultset.", ge=0, le=INT32_MAX),
    ] = 0,
    take: Annotated[
        int,
        Parameter(
            description=(
                "The number of items to return in the resultset (default 25, at most "
                f"{MAX_TAKE}). The returned count can be equal or less than this number."
            ),
            ge=0,
            le=INT32_MAX,
        ),
    ] = DEFAULT_TAKE,
) -> Page:
    # Negative or non-integer values never get here: the parameters' bounds refuse them (400).
    return Page(skip, min(take, MAX_TAKE))


# What handlers declare: explicit named dependencies (as Litestar 3 requires), not
# re-validated per request, since we build these objects ourselves.
Context = Annotated[AppContext, Dependency(kind="named"), SkipValidationMarker()]
Caller = Annotated[Credential, Dependency(kind="named"), SkipValidationMarker()]
Paging = Annotated[Page, Dependency(kind="named"), SkipValidationMarker()]
