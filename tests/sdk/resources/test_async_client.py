"""The asynchronous client through several resources: the same operations, awaited."""

from __future__ import annotations

import pytest

from reseller_api.client import AsyncClient, NotFoundError
from tests.sdk.resources.conftest import PASSWORD


async def test_the_async_client_does_the_same(async_sdk: AsyncClient) -> None:
    job = await async_sdk.accounts.create("example.com", 1, PASSWORD)
    account = await job.wait(timeout=15)
    assert (await async_sdk.accounts.get(account.id)).identifier == "example.com"
    assert [a.id async for a in async_sdk.accounts.iter_all(page_size=1)] == [account.id]
    record_id = await async_sdk.dns.records("example.com").create("TXT", "async", content="hello")
    assert (await async_sdk.dns.records("example.com").get(record_id)).content == "hello"
    domain = await async_sdk.domains.register("async-example.net", wait=True, timeout=15)
    assert domain.domain_name == "async-example.net"
    database = await async_sdk.mysqldatabases.create("db", account.id, "Database123x", wait=True, timeout=15)
    assert database.account_id == account.id
    with pytest.raises(NotFoundError):
        await async_sdk.accounts.get(account.id + 100)
    assert async_sdk.rate_limit is not None


async def test_job_operations_are_coroutine_functions_on_the_async_client_only() -> None:
    # As they were as methods of AsyncAccounts (...): retry decorators and frameworks that
    # branch on inspect.iscoroutinefunction keep treating them as asynchronous.
    import inspect

    from reseller_api.client import Client

    async with AsyncClient("http://127.0.0.1:9", "key", "secret") as async_client:
        for method in (
            async_client.accounts.create,
            async_client.domains.register,
            async_client.domains.transfer,
            async_client.mysqldatabases.create,
            async_client.mysqldatabases.create_user,
        ):
            assert inspect.iscoroutinefunction(method), method
    with Client("http://127.0.0.1:9", "key", "secret") as client:
        assert not inspect.iscoroutinefunction(client.accounts.create)
        assert client.accounts.create.__doc__ == async_client.accounts.create.__doc__
