"""``/v2/mailboxes``: the zone's mailboxes, both creation forms (the text's and the YAML's), settings."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, delete, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, Parameter
from msgspec import UNSET

from reseller_api.conventions.dependencies import Caller, Context
from reseller_api.conventions.paging import Page
from reseller_api.conventions.replies import created, paged
from reseller_api.resources.mailboxes import service
from reseller_api.wire.mailboxes import (
    AddMailboxRequest,
    AutoForward,
    AutoReply,
    CreateMailboxRequest,
    Mailbox,
    MailboxDetail,
    UpdateMailboxPasswordRequest,
)
from reseller_api.wire.mailzones import MailZoneAccount


class ErrorMessage(msgspec.Struct):
    """The API's error body (``openapi.polish`` documents it under this name)."""

    error_code: str
    error_text: str


MailboxName = Annotated[str, Parameter(description="Mailbox name (its e-mail address).")]
DomainName = Annotated[str, Parameter(description="Mailbox domain name.")]


class MailboxController(Controller):
    path = "/v2/mailboxes"
    tags = ["Mailboxes"]

    @get(
        "/",
        operation_id="GetMailboxes",
        summary="Gets your mailboxes",
        description="Currently only supports getting the mailboxes filtered by domain name.",
        sync_to_thread=False,
        responses={404: ResponseSpec(data_container=ErrorMessage, description="You have no such mail zone.")},
    )
    def list_mailboxes(
        self,
        context: Context,
        credential: Caller,
        domain_name: Annotated[
            str | None, Parameter(description="Obligated domain name for getting mailboxes.")
        ] = None,
    ) -> Response[list[Mailbox]]:
        items = service.list_mailboxes(context.database, credential.reseller_id, domain_name)
        # Not paged (as in the API), but the paging headers are sent: clients read them everywhere.
        return paged(items, Page(0, len(items)), len(items))

    @post(
        "/",
        operation_id="CreateMailbox",
        summary="Create a new mailbox",
        description="`email_address` in one of your mail zones; `account_id` the account holding the zone.",
        status_code=201,
        sync_to_thread=True,
    )
    def create_mailbox(
        self, context: Context, credential: Caller, data: JSONBody[CreateMailboxRequest]
    ) -> Response[bytes]:
        location = service.create_mailbox(
            context,
            credential.reseller_id,
            email=data.email_address,
            account_id=data.account_id,
            password=data.password,
        )
        return created(location)

    @get(
        "/{domain_name:str}/quota",
        operation_id="GetMailboxQuota",
        summary="Get the allowed mailboxes for the account",
        description="The accounts that can hold the zone's mailboxes, and the size of each mailbox.",
        sync_to_thread=False,
    )
    def quota(self, context: Context, credential: Caller, domain_name: DomainName) -> list[MailZoneAccount]:
        return service.quota(context.database, credential.reseller_id, domain_name)

    # The same path parameter name as GET/DELETE /{mailbox_name}: one path, one route, so the
    # OpenAPI document and the Allow header agree. Here it holds the mail zone's domain name.
    @post(
        "/{mailbox_name:str}",
        operation_id="CreateMailboxInDomain",
        summary="Create a new mailbox (the API text's form)",
        description="`email` is the address (or its local part) in the path's mail zone.",
        status_code=201,
        sync_to_thread=True,
    )
    def add_mailbox(
        self,
        context: Context,
        credential: Caller,
        mailbox_name: Annotated[str, Parameter(description="Mailbox domain name (the mail zone).")],
        data: JSONBody[AddMailboxRequest],
    ) -> Response[bytes]:
        location = service.create_mailbox(
            context,
            credential.reseller_id,
            email=data.email_address if data.email is UNSET else data.email,
            account_id=data.account_id,
            password=data.password,
            path_domain=mailbox_name,
        )
        return created(location)

    @get(
        "/{mailbox_name:str}",
        operation_id="GetMailbox",
        summary="Get a mailbox",
        description="One mailbox: size, auto-reply and auto-forward.",
        sync_to_thread=False,
    )
    def get_mailbox(self, context: Context, credential: Caller, mailbox_name: MailboxName) -> MailboxDetail:
        return service.get_mailbox(context.database, credential.reseller_id, mailbox_name)

    @delete(
        "/{mailbox_name:str}",
        operation_id="DeleteMailbox",
        summary="Delete a mailbox",
        description="Delete a mailbox and its mail.",
        sync_to_thread=True,
    )
    def delete_mailbox(self, context: Context, credential: Caller, mailbox_name: MailboxName) -> None:
        service.delete_mailbox(context, credential.reseller_id, mailbox_name)

    @put(
        "/{mailbox_name:str}/password",
        operation_id="ChangeMailboxPassword",
        summary="Change a mailbox's password",
        description="Set a mailbox's password (the password rules apply).",
        status_code=204,
        sync_to_thread=True,
    )
    def change_password(
        self,
        context: Context,
        credential: Caller,
        mailbox_name: MailboxName,
        data: JSONBody[UpdateMailboxPasswordRequest],
    ) -> None:
        service.change_password(context, credential.reseller_id, mailbox_name, data)

    @put(
        "/{mailbox_name:str}/autoreply",
        operation_id="ConfigureMailboxAutoReply",
        summary="Configure the auto-reply",
        description="Switch the auto-reply; fields left out keep their values.",
        status_code=204,
        sync_to_thread=True,
    )
    def auto_reply(
        self, context: Context, credential: Caller, mailbox_name: MailboxName, data: JSONBody[AutoReply]
    ) -> None:
        service.set_auto_reply(context, credential.reseller_id, mailbox_name, data)

    @put(
        "/{mailbox_name:str}/autoforward",
        operation_id="ConfigureMailboxAutoForward",
        summary="Configure the auto-forward",
        description="Switch the auto-forward; fields left out keep their values.",
        status_code=204,
        sync_to_thread=True,
    )
    def auto_forward(
        self, context: Context, credential: Caller, mailbox_name: MailboxName, data: JSONBody[AutoForward]
    ) -> None:
        service.set_auto_forward(context, credential.reseller_id, mailbox_name, data)
