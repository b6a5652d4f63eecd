"""``/v2/accounts``."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import JSONBody, Parameter

from reseller_api.context import Caller, Context, Paging
from reseller_api.conventions.paging import paged
from reseller_api.errors import NOT_FOUND, ApiProblem
from reseller_api.resources.accounts import jobs as _jobs  # noqa: F401 - registers the job handler
from reseller_api.resources.accounts import service
from reseller_api.resources.accounts.schemas import Account, AccountDetail, CreateAccount
from reseller_api.resources.provisioningjobs.routes import accepted
from reseller_api.resources.servicepacks.schemas import AssetType


class AccountController(Controller):
    path = "/v2/accounts"
    tags = ["Accounts"]

    @get("/", operation_id="GetAccounts", summary="Overview of accounts", sync_to_thread=False)
    def list_accounts(
        self,
        context: Context,
        credential: Caller,
        page: Paging,
        asset_type: Annotated[
            AssetType | None,
            Parameter(
                description="Filters the list, returning only accounts containing the specified asset type."
            ),
        ] = None,
        identifier: Annotated[
            str | None,
            Parameter(description="Return only accounts, matching the specified identifier."),
        ] = None,
    ) -> Response[list[Account]]:
        items, total = service.list_accounts(
            context.database, credential.reseller_id, page, asset_type, identifier
        )
        return paged(items, page, total)

    @post(
        "/",
        operation_id="CreateAccount",
        summary="Create a new account",
        description="The creation of an account requires some background processing. "
        "There is no instant feedback of the creation status.",
        status_code=202,
        sync_to_thread=True,
    )
    def create_account(
        self, context: Context, credential: Caller, data: JSONBody[CreateAccount]
    ) -> Response[bytes]:
        return accepted(service.create_account(context, credential.reseller_id, data))

    @get(
        "/{account_id:int}",
        operation_id="GetAccount",
        summary="Get a specific account",
        sync_to_thread=False,
    )
    def get_account(
        self,
        context: Context,
        credential: Caller,
        account_id: Annotated[int, Parameter(description="The id of the account.")],
    ) -> AccountDetail:
        found = service.get_account(context.database, credential.reseller_id, account_id)
        if found is None:
            raise ApiProblem(NOT_FOUND, f"Account {account_id} does not exist.")
        return found
