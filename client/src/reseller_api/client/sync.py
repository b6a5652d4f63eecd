"""The synchronous client."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx

from reseller_api.client.core import DEFAULT_PAGE_SIZE, BaseClient, Call, Page, transport_error
from reseller_api.client.jobs import Job, job_id_from
from reseller_api.client.resources import Sync
from reseller_api.client.resources.catalog import Resources

T = TypeVar("T")


class Client(BaseClient, Resources[Sync]):
    """Calls the API and waits for each answer.

    >>> with Client("http://127.0.0.1:8000", key, secret) as client:
    ...     client.accounts.list()

    ``transport`` is any httpx transport (``httpx.ASGITransport`` drives an app in-process,
    ``httpx.MockTransport`` a fake); ``sleep`` is what waits between retries and polls.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        api_secret: str,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **options: Any,
    ) -> None:
        super().__init__(base_url, api_key, api_secret, **options)
        self._http = httpx.Client(transport=transport, timeout=self.timeout, trust_env=transport is None)
        self.sleep = sleep
        self._attach_resources(self)  # client.accounts, client.dns, ...: resources/catalog.py

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def job(self, job_id_or_location: str) -> Job[Any]:
        """A handle on an existing job (its id, or the ``Location`` a 202 gave)."""
        return Job(self, job_id_from(job_id_or_location), None)

    # -- the three ways operations run -------------------------------------------------

    def send(self, call: Call[Any]) -> httpx.Response:
        """Send ``call`` (signed afresh each try), retrying as the policy allows; the final answer."""
        attempt = 0
        key = self.key_for(call)  # one key for every attempt: the server does the write once
        while True:
            attempt += 1
            request = self.build(self._http, call, key)
            try:
                response = self._http.send(request)
            except httpx.TransportError as exc:
                delay = self.retry_delay(call, None, attempt, keyed=key is not None)
                if delay is None:
                    raise transport_error(exc, request) from exc
                self.sleep(delay)
                continue
            self.observe(response)
            delay = self.retry_delay(call, response, attempt, keyed=key is not None)
            if delay is None:
                return response
            self.sleep(delay)

    def execute(self, call: Call[T]) -> T:
        return self.result(call, self.send(call))

    def fetch_page(self, call: Call[list[T]], skip: int, take: int) -> Page[T]:
        paged: Call[list[T]] = Call(
            call.method, call.path, call.type, {**call.params, "skip": skip, "take": take}
        )
        return self.page(paged, self.send(paged))

    def iterate(self, call: Call[list[T]], page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[T]:
        """Every item of a collection, one page at a time, fetched only as you read on."""
        skip = 0
        while True:
            page = self.fetch_page(call, skip, page_size)
            yield from page.items
            skip = page.skipped + len(page.items)
            if not page.items or skip >= page.total:
                return

    def start(self, call: Call[T]) -> Job[T]:
        """Send a call that answers 202 and hand back its job; ``call.type`` is what the job creates."""
        response = self.send(call)
        return Job(self, job_id_from(self.location(response)), call.type)
