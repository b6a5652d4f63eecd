"""Every error the SDK raises, in one tree; catch :class:`ApiError` to catch them all.

::

    ApiError                  status, error_code, error_text, request (and response when there is one)
    ├── AuthenticationError   401/403: bad key or signature, IP not whitelisted
    ├── NotFoundError         404: missing, or owned by another reseller
    ├── ValidationError       400: ``validation_errors`` lists each problem
    ├── ConflictError         409: the thing exists already, or is in use
    ├── RateLimitError        429 after the configured retries; ``retry_after`` in seconds
    ├── ServerError           5xx (GETs are retried with back-off before this is raised)
    ├── ProvisioningFailed    a job ended ``failed`` or ``cancelled``; ``job_id``, ``status``, ``reason``
    ├── JobTimeout            ``Job.wait`` gave up while the job was still ongoing
    └── TransportError        no HTTP answer at all (connection, timeout); raised ``from`` the httpx error

``error_code`` and ``error_text`` are the server's own (``{"error_code", "error_text"}``);
for a 400 with ``validation_errors`` they are the first problem's. Nothing here holds a
secret: the request is kept, its ``Authorization`` header is a one-time HMAC.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx


@dataclass(frozen=True, slots=True)
class FieldError:
    """One entry of a 400's ``validation_errors``."""

    error_code: str
    error_text: str


class ApiError(Exception):
    """An API call did not give what was asked for."""

    def __init__(
        self,
        error_code: str,
        error_text: str,
        *,
        status: int | None = None,
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        self.error_code = error_code
        self.error_text = error_text
        self.status = status
        self.request = request
        self.response = response
        super().__init__(f"{error_code}: {error_text}")


class AuthenticationError(ApiError):
    """401 or 403."""


class NotFoundError(ApiError):
    """404."""


class ValidationError(ApiError):
    """400; ``validation_errors`` holds every problem the server reported."""

    def __init__(
        self,
        error_code: str,
        error_text: str,
        *,
        validation_errors: list[FieldError],
        status: int | None = 400,
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(error_code, error_text, status=status, request=request, response=response)
        self.validation_errors = validation_errors


class ConflictError(ApiError):
    """409."""


class RateLimitError(ApiError):
    """429, still refused after the client's configured retries."""

    def __init__(
        self,
        error_code: str,
        error_text: str,
        *,
        retry_after: float | None,
        status: int | None = 429,
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(error_code, error_text, status=status, request=request, response=response)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx."""


class ProvisioningFailed(ApiError):
    """A provisioning job ended ``failed`` or ``cancelled``."""

    def __init__(
        self,
        job_id: str,
        job_status: str,
        *,
        reason: str = "",
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(
            f"provisioning_job_{job_status}",
            f"Provisioning job {job_id} ended {job_status}" + (f": {reason}" if reason else "."),
            status=response.status_code if response is not None else None,
            request=request,
            response=response,
        )
        self.job_id = job_id
        self.job_status = job_status
        self.reason = reason  # the server's X-Provisioning-Error, when it sends one


class JobTimeout(ApiError):
    """``wait`` ran out of time; the job goes on on the server, ``job_id`` lets you look again."""

    def __init__(self, job_id: str, timeout: float) -> None:
        text = f"Provisioning job {job_id} still ongoing after {timeout:g}s."
        super().__init__("provisioning_job_timeout", text)
        self.job_id = job_id


class TransportError(ApiError):
    """No HTTP response: the connection failed or timed out (the httpx error is ``__cause__``)."""
