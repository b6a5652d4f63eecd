"""``skip``/``take`` paging and the ``X-Paging-*`` headers every collection answers with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from litestar import Response
from litestar.params import Parameter

from reseller_api import errors

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
    skip: Annotated[
        int | None, Parameter(description="The number of items to skip in the resultset.")
    ] = None,
    take: Annotated[
        int | None,
        Parameter(
            description=(
                "The number of items to return in the resultset (default 25, at most "
                f"{MAX_TAKE}). The returned count can be equal or less than this number."
            ),
        ),
    ] = None,
) -> Page:
    problems = []
    if skip is not None and skip < 0:
        problems.append(errors.FieldProblem(errors.PARAMETER_INVALID.code, "skip must be 0 or more."))
    if take is not None and take < 0:
        problems.append(errors.FieldProblem(errors.PARAMETER_INVALID.code, "take must be 0 or more."))
    if problems:
        raise errors.ValidationFailed(problems)
    return Page(skip or 0, DEFAULT_TAKE if take is None else min(take, MAX_TAKE))


def paged(items: Sequence[T], page: Page, total: int) -> Response[Any]:
    """A list response with the three X-Paging headers."""
    return Response(
        list(items),
        headers={
            "X-Paging-Skipped": str(page.skip),
            "X-Paging-Take": str(len(items)),
            "X-Paging-TotalResults": str(total),
        },
    )
