"""The answers routes share: 201 with a new resource's path, 202 with its job's, a page of a list.

Litestar responses, so this module belongs to the web layer: routes import it, services never do
(the raw ASGI answers, for layers outside the framework, are in :mod:`.responses`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeVar

from litestar import MediaType, Response

from reseller_api.conventions.locations import location
from reseller_api.conventions.paging import Page

T = TypeVar("T")


def accepted(job_id: str, step_duration: float) -> Response[bytes]:
    """The 202 every asynchronous creation answers: no body, its job's relative path in Location,
    and in Retry-After the seconds until the job's estimate, as the vendor's 202s carry it."""
    headers = {
        "Location": location("provisioningjobs", job_id),
        "Retry-After": str(math.ceil(step_duration) + 1),
    }
    return Response(b"", status_code=202, headers=headers)


def created(path: str, media_type: MediaType | None = None) -> Response[bytes]:
    """The 201 of a synchronous creation: no body, the new resource's relative path in Location.

    ``media_type`` only changes what the OpenAPI document promises (on the wire an empty body
    has no Content-Type at all: conventions/responses.py); the Linux hosting routes pass
    ``MediaType.TEXT`` so their document does not promise a JSON body, as before this helper
    was shared.
    """
    return Response(b"", status_code=201, media_type=media_type, headers={"Location": path})


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
