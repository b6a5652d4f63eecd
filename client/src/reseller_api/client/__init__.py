"""The Python SDK for the Public API v2: :class:`Client`, :class:`AsyncClient` and their errors.

>>> from reseller_api.client import Client
>>> with Client("http://127.0.0.1:8000", api_key, api_secret) as client:
...     account = client.accounts.create("example.com", 1, "Secret123x", wait=True)

Nothing here imports the server: this package is the distribution ``reseller-api-client``
(httpx, msgspec, rich, argcomplete). Models are the msgspec Structs of ``reseller_api.wire``,
shipped with it and imported by the server too, so the two never drift.
"""

from reseller_api.client.aio import AsyncClient
from reseller_api.client.core import Page, RateLimit, idempotency_key
from reseller_api.client.errors import (
    ApiError,
    AuthenticationError,
    ConflictError,
    FieldError,
    JobTimeout,
    NotFoundError,
    ProvisioningFailed,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
)
from reseller_api.client.jobs import AsyncJob, Job
from reseller_api.client.sync import Client
from reseller_api.client.version import __version__

__all__ = [
    "ApiError",
    "AsyncClient",
    "AsyncJob",
    "AuthenticationError",
    "Client",
    "ConflictError",
    "FieldError",
    "Job",
    "JobTimeout",
    "NotFoundError",
    "Page",
    "ProvisioningFailed",
    "RateLimit",
    "RateLimitError",
    "ServerError",
    "TransportError",
    "ValidationError",
    "__version__",
    "idempotency_key",
]
