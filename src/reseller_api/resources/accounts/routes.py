"""``/v2/accounts``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPI, Schema
from litestar.openapi.spec import Parameter as OpenAPIParameter
from litestar.params import JSONBody, Parameter

from reseller_api.conventions.dependencies import Caller, Context, Paging, context_of, credential_of
from reseller_api.conventions.replies import accepted, paged
from reseller_api.conventions.responses import JSONBytes
from reseller_api.errors import NOT_FOUND, PARAMETER_INVALID, ApiProblem, invalid
from reseller_api.resources.accounts import service
from reseller_api.wire.accounts import Account, AccountDetail, CreateAccount
from reseller_api.wire.integers import INT32_MAX, fits_int32
from reseller_api.wire.servicepacks import AssetType

_FULFILLED = "Request fulfilled, document follows"


class AccountController(Controller):
    path = "/v2/accounts"
    tags = ["Accounts"]

    @get(
        "/",
        operation_id="GetAccounts",
        summary="Overview of accounts",
        description="Your accounts, a page at a time; filter by asset type or identifier.",
        sync_to_thread=False,
    )
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
        return accepted(
            service.create_account(context, credential.reseller_id, data), context.backends.step_duration
        )

    @get(
        "/{account_id:int}",
        operation_id="GetAccount",
        summary="Get a specific account",
        description="One account with its servicepack and addons.",
        sync_to_thread=False,
        # The answer is encoded by AccountReader, so the documented shape is declared.
        responses={
            200: ResponseSpec(data_container=AccountDetail, description=_FULFILLED, generate_examples=False)
        },
    )
    def get_account(self) -> AccountReader:
        return READ_ACCOUNT


class AccountReader:
    """``GET /v2/accounts/{account_id}``, the benchmark's request (bench/signed_get.py), as an ASGI app.

    The handler above takes no arguments and returns this: Litestar then skips, for the
    API's hottest read, its parameter extraction, signature validation, dependency
    injection and response building (measured at a fifth of the request in-process).
    Routing, the ``:int`` path converter and the exception handlers still apply: a
    missing account raises the same ApiProblem, answered by the same handler. The
    context and the caller come from the scope; the answer is encoded once (JSONBytes),
    with the bytes and headers Litestar would have sent. ``account_id``'s description is
    put back into the OpenAPI document by :func:`describe_parameters`.
    """

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        account_id: int = scope["path_params"]["account_id"]  # an int: the route's converter
        if not fits_int32(account_id):
            raise invalid(PARAMETER_INVALID, f"account_id: Expected `int` <= {INT32_MAX}, got {account_id}.")
        found = await service.get_account(
            context_of(scope).database, credential_of(scope).reseller_id, account_id
        )
        if found is None:
            raise ApiProblem(NOT_FOUND, f"Account {account_id} does not exist.")
        await JSONBytes(found)(scope, receive, send)


READ_ACCOUNT = AccountReader()
ACCOUNT_ID_DESCRIPTION = "The id of the account."


def describe_parameters(schema: OpenAPI) -> None:
    """Describe ``account_id`` of GetAccount, which Litestar documents bare (no handler argument)."""
    path = (schema.paths or {}).get("/v2/accounts/{account_id}")
    operation = path.get if path is not None else None
    for parameter in (operation.parameters or []) if operation is not None else []:
        if isinstance(parameter, OpenAPIParameter) and parameter.name == "account_id":
            parameter.description = ACCOUNT_ID_DESCRIPTION
            if isinstance(parameter.schema, Schema):
                parameter.schema.description = ACCOUNT_ID_DESCRIPTION
