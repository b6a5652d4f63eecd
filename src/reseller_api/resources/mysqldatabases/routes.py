"""``/v2/mysqldatabases``: databases (created by a provisioning job) and their users."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, post, put
from litestar.params import JSONBody, Parameter

from reseller_api.conventions.dependencies import Caller, Context, Paging
from reseller_api.conventions.paging import Page
from reseller_api.conventions.replies import accepted, paged
from reseller_api.resources.mysqldatabases import service, users
from reseller_api.wire.mysqldatabases import (
    CreateMySqlDatabase,
    CreateMySqlUser,
    MySqlDatabase,
    MySqlUser,
    UpdateUserPasswordRequest,
    UpdateUserStatusRequest,
)

DatabaseName = Annotated[str, Parameter(description="Name of the database (as provisioned, prefixed).")]
UserName = Annotated[str, Parameter(description="Name of the user (as provisioned, prefixed).")]


class MySqlDatabaseController(Controller):
    path = "/v2/mysqldatabases"
    tags = ["MySQL databases"]

    # In a thread: the sizes come from the MySQL backend, which may ask a real server.
    @get(
        "/",
        operation_id="GetMySqlDatabases",
        summary="Overview of mysql databases",
        description="Your MySQL databases, a page at a time.",
        sync_to_thread=True,
    )
    def list_databases(
        self, context: Context, credential: Caller, page: Paging
    ) -> Response[list[MySqlDatabase]]:
        items, total = service.list_databases(context, credential.reseller_id, page)
        return paged(items, page, total)

    @post(
        "/",
        operation_id="CreateMySqlDatabase",
        summary="Create a new mysql database",
        description="The name is prefixed during provisioning (`id{account_id}_{database_name}`, at most "
        "32 characters). The database's first user is named as the database, with the given "
        "password and read_and_write rights. Answers 202 and a provisioning job.",
        status_code=202,
        sync_to_thread=True,
    )
    def create_database(
        self, context: Context, credential: Caller, data: JSONBody[CreateMySqlDatabase]
    ) -> Response[bytes]:
        return accepted(
            service.create_database(context, credential.reseller_id, data), context.backends.step_duration
        )

    @get(
        "/{database_name:str}",
        operation_id="GetMySqlDatabase",
        summary="Get a specific database",
        description="One database: its account, size and users.",
        sync_to_thread=True,  # the size comes from the MySQL backend
    )
    def get_database(
        self, context: Context, credential: Caller, database_name: DatabaseName
    ) -> MySqlDatabase:
        return service.get_database(context, credential.reseller_id, database_name)

    @delete(
        "/{database_name:str}",
        operation_id="DeleteDatabase",
        summary="Delete a database (and its users)",
        description="Delete a database and its users.",
        sync_to_thread=True,
    )
    def delete_database(self, context: Context, credential: Caller, database_name: DatabaseName) -> None:
        service.delete_database(context, credential.reseller_id, database_name)

    @get(
        "/{database_name:str}/users",
        operation_id="GetDatabaseUsers",
        summary="The database's users",
        description="A database's users and their rights.",
        sync_to_thread=False,
    )
    def list_users(
        self, context: Context, credential: Caller, database_name: DatabaseName
    ) -> Response[list[MySqlUser]]:
        listed = users.list_users(context, credential.reseller_id, database_name)
        # Not paged (as in the API), but the paging headers are sent: clients read them everywhere.
        return paged(listed, Page(0, len(listed)), len(listed))

    @post(
        "/{database_name:str}/users",
        operation_id="CreateMySqlUser",
        summary="Create a database user",
        description="User names are 2-14 lowercase letters and/or digits; the user is provisioned as "
        "`id{account_id}_{name}` with read_only rights (SELECT). Answers 202 and a provisioning job.",
        status_code=202,
        sync_to_thread=True,
    )
    def create_user(
        self,
        context: Context,
        credential: Caller,
        database_name: DatabaseName,
        data: JSONBody[CreateMySqlUser],
    ) -> Response[bytes]:
        return accepted(
            users.create_user(context, credential.reseller_id, database_name, data),
            context.backends.step_duration,
        )

    @put(
        "/{database_name:str}/users/{user_name:str}/status",
        operation_id="ChangeDatabaseUserStatus",
        summary="Enable or disable a user",
        description="Enable or disable a database user.",
        status_code=204,
        sync_to_thread=True,
    )
    def set_status(
        self,
        context: Context,
        credential: Caller,
        database_name: DatabaseName,
        user_name: UserName,
        data: JSONBody[UpdateUserStatusRequest],
    ) -> None:
        users.set_user_status(context, credential.reseller_id, database_name, user_name, data)

    @put(
        "/{database_name:str}/users/{user_name:str}/password",
        operation_id="ChangeDatabaseUserPassword",
        summary="Change a user's password",
        description="Set a database user's password (the password rules apply).",
        status_code=204,
        sync_to_thread=True,
    )
    def set_password(
        self,
        context: Context,
        credential: Caller,
        database_name: DatabaseName,
        user_name: UserName,
        data: JSONBody[UpdateUserPasswordRequest],
    ) -> None:
        users.set_user_password(context, credential.reseller_id, database_name, user_name, data)

    @delete(
        "/{database_name:str}/users/{user_name:str}",
        operation_id="DeleteDatabaseUser",
        summary="Delete a user",
        description="Delete a database user.",
        sync_to_thread=True,
    )
    def delete_user(
        self, context: Context, credential: Caller, database_name: DatabaseName, user_name: UserName
    ) -> None:
        users.delete_user(context, credential.reseller_id, database_name, user_name)
