"""``skip``/``take`` paging and the ``X-Paging-*`` headers every collection answers with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from litestar import Response
from litestar.di import Dependency
from litestar.params import Parameter, SkipValidationMarker

from reseller_api.wire.integers import INT32_MAX

DEFAULT_TAKE = 25
# Clients ask for take=1000 or 99999 to avoid paging; we serve at most this many and the
# X-Paging-* headers tell them there is more.
MAX_TAKE = 1000

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page:
    skip: int = 0
    take: int = DEFAULT_TAKE


def provide_page(
    # Unused: chains paging after the credential (see context.provide_credential for why).
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


def paged(items: Sequence[T], page: Page, total: int) -> Response[Any]:
    """A list response with the three paging headers (lowercase on the wire, as the vendor's)."""
    return Response(
        list(items),
        headers={
            "x-paging-skipped": str(page.skip),
            "x-paging-take": str(len(items)),
            "x-paging-totalresults": str(total),
        },
    )
