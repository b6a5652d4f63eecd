"""Handles on provisioning jobs: poll until 201, then hand back what the job created.

Polling honours the job's ``completion.estimate``: it sleeps until the estimate (never
less than the client's ``poll_interval``, never more than :data:`MAX_POLL`), and once the
estimate has passed it backs off from ``poll_interval`` by doubling.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

import httpx

from reseller_api.client import errors
from reseller_api.client.core import Call, decode, error_for, segment
from reseller_api.wire.provisioningjobs import ProvisioningJobCompletion, ProvisioningJobInfo

T = TypeVar("T")
MAX_POLL = 10.0
DEFAULT_WAIT_TIMEOUT = 600.0
Progress = Callable[[ProvisioningJobInfo], None]
JobState = ProvisioningJobInfo | ProvisioningJobCompletion


def job_id_from(location_or_id: str) -> str:
    """``/v2/provisioningjobs/{id}`` (a 202's ``Location``) or a bare id: the id."""
    return location_or_id.rstrip("/").rsplit("/", 1)[-1]


# What a job needs of the client that started it, typed here rather than by importing the
# clients (they import this module to hand out jobs).


class Poller(Protocol):
    """What a :class:`Job` polls through: a :class:`~reseller_api.client.Client`."""

    @property
    def path_prefix(self) -> str: ...
    @property
    def poll_interval(self) -> float: ...
    @property
    def sleep(self) -> Callable[[float], None]: ...
    def send(self, call: Call[Any]) -> httpx.Response: ...
    def execute(self, call: Call[T]) -> T: ...


class AsyncPoller(Protocol):
    """What an :class:`AsyncJob` polls through: an :class:`~reseller_api.client.AsyncClient`."""

    @property
    def path_prefix(self) -> str: ...
    @property
    def poll_interval(self) -> float: ...
    @property
    def sleep(self) -> Callable[[float], Awaitable[None]]: ...
    async def send(self, call: Call[Any]) -> httpx.Response: ...
    async def execute(self, call: Call[T]) -> T: ...


class _JobBase(Generic[T]):
    def __init__(self, job_id: str, result_type: Any) -> None:
        self.id = job_id
        self.result_type = result_type
        self.resource_links: list[str] = []
        self._polls_after_estimate = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r})"

    @property
    def location(self) -> str:
        return f"/v2/provisioningjobs/{self.id}"

    def _status_call(self) -> Call[Any]:
        return Call("GET", f"/v2/provisioningjobs/{segment(self.id)}")

    def _read(self, response: httpx.Response) -> JobState:
        """The job's state from one answer; failed and cancelled raise."""
        if response.status_code == 201:
            done: ProvisioningJobCompletion = decode(ProvisioningJobCompletion, response)
            self.resource_links = done.resource_links
            return done
        if response.status_code != 200:
            raise error_for(response)
        info: ProvisioningJobInfo = decode(ProvisioningJobInfo, response)
        if info.status in ("failed", "cancelled"):
            raise errors.ProvisioningFailed(
                self.id,
                info.status,
                reason=response.headers.get("x-provisioning-error", ""),
                request=response.request,
                response=response,
            )
        return info

    def _delay(self, info: ProvisioningJobInfo, floor: float) -> float:
        try:
            estimate = datetime.fromisoformat(info.completion.estimate.replace("Z", "+00:00"))
            remaining = float((estimate - datetime.now(UTC)).total_seconds())
        except ValueError:
            remaining = 0.0
        if remaining > floor:
            return min(remaining, MAX_POLL)
        self._polls_after_estimate += 1
        return min(floor * 2.0 ** (self._polls_after_estimate - 1), MAX_POLL)

    def _result_call(self, prefix: str) -> Call[Any] | None:
        if self.result_type in (None, ProvisioningJobCompletion) or not self.resource_links:
            return None
        link = self.resource_links[0]
        return Call(
            "GET", link[len(prefix) :] if prefix and link.startswith(prefix) else link, self.result_type
        )


class Job(_JobBase[T]):
    """A provisioning job started through a :class:`~reseller_api.client.Client`."""

    def __init__(self, client: Poller, job_id: str, result_type: Any) -> None:
        super().__init__(job_id, result_type)
        self._client = client

    def status(self) -> JobState:
        """One look: ``ProvisioningJobInfo`` while ongoing, ``ProvisioningJobCompletion`` when finished."""
        return self._read(self._client.send(self._status_call()))

    def wait(self, timeout: float = DEFAULT_WAIT_TIMEOUT, on_progress: Progress | None = None) -> T:
        """Poll until finished and return the created resource (the completion if it has no type).

        Raises :class:`~errors.ProvisioningFailed` if the job fails or is cancelled and
        :class:`~errors.JobTimeout` if it is still ongoing after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            state = self.status()
            if isinstance(state, ProvisioningJobCompletion):
                call = self._result_call(self._client.path_prefix)
                return self._client.execute(call) if call else state  # type: ignore[return-value]
            if on_progress is not None:
                on_progress(state)
            left = deadline - time.monotonic()
            if left <= 0:
                raise errors.JobTimeout(self.id, timeout)
            self._client.sleep(min(self._delay(state, self._client.poll_interval), left))


class AsyncJob(_JobBase[T]):
    """A provisioning job started through an :class:`~reseller_api.client.AsyncClient`."""

    def __init__(self, client: AsyncPoller, job_id: str, result_type: Any) -> None:
        super().__init__(job_id, result_type)
        self._client = client

    async def status(self) -> JobState:
        return self._read(await self._client.send(self._status_call()))

    async def wait(self, timeout: float = DEFAULT_WAIT_TIMEOUT, on_progress: Progress | None = None) -> T:
        """As :meth:`Job.wait`."""
        deadline = time.monotonic() + timeout
        while True:
            state = await self.status()
            if isinstance(state, ProvisioningJobCompletion):
                call = self._result_call(self._client.path_prefix)
                return await self._client.execute(call) if call else state  # type: ignore[return-value]
            if on_progress is not None:
                on_progress(state)
            left = deadline - time.monotonic()
            if left <= 0:
                raise errors.JobTimeout(self.id, timeout)
            await self._client.sleep(min(self._delay(state, self._client.poll_interval), left))
