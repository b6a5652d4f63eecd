"""The asynchronous client: the same operations as :class:`~reseller_api.client.Client`, awaited."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import httpx

from reseller_api.client.core import DEFAULT_PAGE_SIZE, BaseClient, Call, Page, transport_error
from reseller_api.client.jobs import AsyncJob, job_id_from
from reseller_api.client.resources import Async
from reseller_api.client.resources.catalog import Resources

T = TypeVar("T")


class AsyncClient(BaseClient, Resources[Async]):
    """Calls the API from asyncio code.

    >>> async with AsyncClient("http://127.0.0.1:8000", key, secret) as client:
    ...     await client.accounts.list()
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        api_secret: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        **options: Any,
    ) -> None:
        super().__init__(base_url, api_key, api_secret, **options)
        self._http = httpx.AsyncClient(transport=transport, timeout=self.timeout, trust_env=transport is None)
        self.sleep = sleep
        self._attach_resources(self)  # client.accounts, client.dns, ...: resources/catalog.py

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def job(self, job_id_or_location: str) -> AsyncJob[Any]:
        return AsyncJob(self, job_id_from(job_id_or_location), None)

    async def send(self, call: Call[Any]) -> httpx.Response:
        attempt = 0
        key = self.key_for(call)  # one key for every attempt: the server does the write once
        while True:
            attempt += 1
            request = self.build(self._http, call, key)
            try:
                response = await self._http.send(request)
            except httpx.TransportError as exc:
                delay = self.retry_delay(call, None, attempt, keyed=key is not None)
                if delay is None:
                    raise transport_error(exc, request) from exc
                await self.sleep(delay)
                continue
            self.observe(response)
            delay = self.retry_delay(call, response, attempt, keyed=key is not None)
            if delay is None:
                return response
            await self.sleep(delay)

    async def execute(self, call: Call[T]) -> T:
        return self.result(call, await self.send(call))

    async def fetch_page(self, call: Call[list[T]], skip: int, take: int) -> Page[T]:
        paged: Call[list[T]] = Call(
            call.method, call.path, call.type, {**call.params, "skip": skip, "take": take}
        )
        return self.page(paged, await self.send(paged))

    async def iterate(self, call: Call[list[T]], page_size: int = DEFAULT_PAGE_SIZE) -> AsyncIterator[T]:
        skip = 0
        while True:
            page = await self.fetch_page(call, skip, page_size)
            for item in page.items:
                yield item
            skip = page.skipped + len(page.items)
            if not page.items or skip >= page.total:
                return

    async def start(self, call: Call[T]) -> AsyncJob[T]:
        response = await self.send(call)
        return AsyncJob(self, job_id_from(self.location(response)), call.type)
