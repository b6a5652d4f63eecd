"""``/v2/mysqldatabases``: MySQL databases and their users (creating either is a provisioning job)."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal, overload

from reseller_api.client.core import DEFAULT_PAGE_SIZE, Call, segment
from reseller_api.client.jobs import DEFAULT_WAIT_TIMEOUT, AsyncJob, Job
from reseller_api.client.resources import Async, M, Resource, Sync, operation, paginated, start, starts_job
from reseller_api.wire.mysqldatabases import (
    CreateMySqlDatabase,
    CreateMySqlUser,
    MySqlDatabase,
    MySqlUser,
    UpdateUserPasswordRequest,
    UpdateUserStatusRequest,
)

MySqlDatabaseList = list[MySqlDatabase]
MySqlUserList = list[MySqlUser]


def _path(database_name: str, *rest: str) -> str:
    return "/".join(["/v2/mysqldatabases", segment(database_name), *rest])


class MySqlDatabases(Resource[M]):
    @operation
    def list(self, *, skip: int = 0, take: int = 25) -> Call[MySqlDatabaseList]:
        return Call("GET", "/v2/mysqldatabases", MySqlDatabaseList, {"skip": skip, "take": take})

    @paginated
    def iter_all(self, *, page_size: int = DEFAULT_PAGE_SIZE) -> Call[MySqlDatabaseList]:
        """Every database, a page at a time as you iterate."""
        return Call("GET", "/v2/mysqldatabases", MySqlDatabaseList)

    @operation
    def get(self, database_name: str) -> Call[MySqlDatabase]:
        return Call("GET", _path(database_name), MySqlDatabase)

    @operation
    def delete(self, database_name: str) -> Call[None]:
        return Call("DELETE", _path(database_name), outcome="none")

    @operation
    def users(self, database_name: str) -> Call[MySqlUserList]:
        return Call("GET", _path(database_name, "users"), MySqlUserList)

    @operation
    def set_user_password(self, database_name: str, user_name: str, password: str) -> Call[None]:
        body = UpdateUserPasswordRequest(password=password)
        return Call(
            "PUT", _path(database_name, "users", segment(user_name), "password"), body=body, outcome="none"
        )

    @operation
    def set_user_enabled(self, database_name: str, user_name: str, enabled: bool) -> Call[None]:
        body = UpdateUserStatusRequest(enabled=enabled)
        return Call(
            "PUT", _path(database_name, "users", segment(user_name), "status"), body=body, outcome="none"
        )

    @operation
    def delete_user(self, database_name: str, user_name: str) -> Call[None]:
        return Call("DELETE", _path(database_name, "users", segment(user_name)), outcome="none")

    def _create(self, database_name: str, account_id: int, password: str) -> Call[MySqlDatabase]:
        body = CreateMySqlDatabase(database_name=database_name, account_id=account_id, password=password)
        return Call("POST", "/v2/mysqldatabases", MySqlDatabase, body=body)

    def _create_user(self, database_name: str, name: str, password: str) -> Call[MySqlUserList]:
        body = CreateMySqlUser(name=name, password=password)
        return Call("POST", _path(database_name, "users"), MySqlUserList, body=body)

    # One declaration per mode (a Client's returns, an AsyncClient's awaits), one body for both.
    @overload
    def create(
        self: MySqlDatabases[Sync],
        database_name: str,
        account_id: int,
        password: str,
        *,
        wait: Literal[False] = ...,
        timeout: float = ...,
    ) -> Job[MySqlDatabase]: ...
    @overload
    def create(
        self: MySqlDatabases[Sync],
        database_name: str,
        account_id: int,
        password: str,
        *,
        wait: Literal[True],
        timeout: float = ...,
    ) -> MySqlDatabase: ...
    @overload
    async def create(
        self: MySqlDatabases[Async],
        database_name: str,
        account_id: int,
        password: str,
        *,
        wait: Literal[False] = ...,
        timeout: float = ...,
    ) -> AsyncJob[MySqlDatabase]: ...
    @overload
    async def create(
        self: MySqlDatabases[Async],
        database_name: str,
        account_id: int,
        password: str,
        *,
        wait: Literal[True],
        timeout: float = ...,
    ) -> MySqlDatabase: ...
    @starts_job
    def create(
        self,
        database_name: str,
        account_id: int,
        password: str,
        *,
        wait: bool = False,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
    ) -> Any:
        """Create a database (its first user is named as the database, with ``password``)."""
        return start(self, partial(self._create, database_name, account_id, password), wait, timeout)

    @overload
    def create_user(
        self: MySqlDatabases[Sync],
        database_name: str,
        name: str,
        password: str,
        *,
        wait: Literal[False] = ...,
        timeout: float = ...,
    ) -> Job[MySqlUserList]: ...
    @overload
    def create_user(
        self: MySqlDatabases[Sync],
        database_name: str,
        name: str,
        password: str,
        *,
        wait: Literal[True],
        timeout: float = ...,
    ) -> MySqlUserList: ...
    @overload
    async def create_user(
        self: MySqlDatabases[Async],
        database_name: str,
        name: str,
        password: str,
        *,
        wait: Literal[False] = ...,
        timeout: float = ...,
    ) -> AsyncJob[MySqlUserList]: ...
    @overload
    async def create_user(
        self: MySqlDatabases[Async],
        database_name: str,
        name: str,
        password: str,
        *,
        wait: Literal[True],
        timeout: float = ...,
    ) -> MySqlUserList: ...
    @starts_job
    def create_user(
        self,
        database_name: str,
        name: str,
        password: str,
        *,
        wait: bool = False,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
    ) -> Any:
        """Add a user; waiting returns the database's users."""
        return start(self, partial(self._create_user, database_name, name, password), wait, timeout)


AsyncMySqlDatabases = MySqlDatabases[Async]
"""The databases of an :class:`~reseller_api.client.AsyncClient` (the name of the class it was)."""
