"""``/v2/accounts``: accounts made from servicepacks (creation is a provisioning job)."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal, overload

from msgspec import UNSET

from reseller_api.client.core import DEFAULT_PAGE_SIZE, Call
from reseller_api.client.jobs import DEFAULT_WAIT_TIMEOUT, AsyncJob, Job
from reseller_api.client.resources import Async, M, Resource, Sync, operation, paginated, start, starts_job
from reseller_api.wire.accounts import Account, AccountDetail, CreateAccount
from reseller_api.wire.servicepacks import AssetType

AccountList = list[Account]


class Accounts(Resource[M]):
    @operation
    def list(
        self,
        *,
        asset_type: AssetType | str | None = None,
        identifier: str | None = None,
        skip: int = 0,
        take: int = 25,
    ) -> Call[AccountList]:
        """One page of your accounts, optionally only those with an asset type or an identifier."""
        params = {"asset_type": asset_type, "identifier": identifier, "skip": skip, "take": take}
        return Call("GET", "/v2/accounts", AccountList, params)

    @paginated
    def iter_all(
        self,
        *,
        asset_type: AssetType | str | None = None,
        identifier: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Call[AccountList]:
        """Every account (filtered like :meth:`list`), a page at a time as you iterate."""
        return Call("GET", "/v2/accounts", AccountList, {"asset_type": asset_type, "identifier": identifier})

    @operation
    def get(self, account_id: int) -> Call[AccountDetail]:
        """One account with its servicepack and addons."""
        return Call("GET", f"/v2/accounts/{int(account_id)}", AccountDetail)

    def _create(self, identifier: str, servicepack_id: int, ftp_password: str | None) -> Call[AccountDetail]:
        body = CreateAccount(identifier, servicepack_id, UNSET if ftp_password is None else ftp_password)
        return Call("POST", "/v2/accounts", AccountDetail, body=body)

    # One declaration per mode (a Client's returns, an AsyncClient's awaits), one body for both.
    @overload
    def create(
        self: Accounts[Sync],
        identifier: str,
        servicepack_id: int,
        ftp_password: str | None = ...,
        *,
        wait: Literal[False] = ...,
        timeout: float = ...,
    ) -> Job[AccountDetail]: ...
    @overload
    def create(
        self: Accounts[Sync],
        identifier: str,
        servicepack_id: int,
        ftp_password: str | None = ...,
        *,
        wait: Literal[True],
        timeout: float = ...,
    ) -> AccountDetail: ...
    @overload
    async def create(
        self: Accounts[Async],
        identifier: str,
        servicepack_id: int,
        ftp_password: str | None = ...,
        *,
        wait: Literal[False] = ...,
        timeout: float = ...,
    ) -> AsyncJob[AccountDetail]: ...
    @overload
    async def create(
        self: Accounts[Async],
        identifier: str,
        servicepack_id: int,
        ftp_password: str | None = ...,
        *,
        wait: Literal[True],
        timeout: float = ...,
    ) -> AccountDetail: ...
    @starts_job
    def create(
        self,
        identifier: str,
        servicepack_id: int,
        ftp_password: str | None = None,
        *,
        wait: bool = False,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
    ) -> Any:
        """Order an account; returns its job, or with ``wait=True`` the finished account."""
        return start(self, partial(self._create, identifier, servicepack_id, ftp_password), wait, timeout)


AsyncAccounts = Accounts[Async]
"""The accounts of an :class:`~reseller_api.client.AsyncClient` (the name of the class it was)."""
