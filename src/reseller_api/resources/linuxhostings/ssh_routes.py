"""``/v2/linuxhostings/{domainName}/ssh/keys``: the SSH keys attached to a hosting."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, MediaType, Response, delete, get, post
from litestar.params import JSONBody, Parameter

from reseller_api.context import Caller, Context
from reseller_api.resources.linuxhostings import ssh
from reseller_api.resources.linuxhostings.routes import TAGS, DomainName, created
from reseller_api.resources.linuxhostings.schemas import AddSshKeyRequest, SshKey


class SshKeyController(Controller):
    path = "/v2/linuxhostings/{domain_name:str}/ssh/keys"
    tags = TAGS

    @get("/", operation_id="GetSshKeys", summary="Overview of SSH keys", sync_to_thread=False)
    def list_keys(self, context: Context, credential: Caller, domain_name: DomainName) -> list[SshKey]:
        return ssh.list_keys(context, credential.reseller_id, domain_name)

    @post(
        "/",
        operation_id="AddSshKey",
        summary="Add a SSH key",
        description="An OpenSSH public key line: ed25519, ECDSA, or RSA of at least 2048 bits. "
        "A key already attached is 400 ssh_key_already_exists.",
        status_code=201,
        media_type=MediaType.TEXT,
        sync_to_thread=True,
    )
    def add_key(
        self, context: Context, credential: Caller, domain_name: DomainName, data: JSONBody[AddSshKeyRequest]
    ) -> Response[bytes]:
        fingerprint = ssh.add_key(context, credential.reseller_id, domain_name, data.public_key)
        return created(f"/v2/linuxhostings/{domain_name}/ssh/keys/{fingerprint}")

    @delete(
        "/{fingerprint:path}",
        operation_id="DeleteSshKey",
        summary="Delete a SSH key",
        description="The fingerprint as OpenSSH prints it: SHA256:... (or MD5:aa:bb:...).",
        status_code=204,
        sync_to_thread=True,
    )
    def delete_key(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        fingerprint: Annotated[str, Parameter(description="Fingerprint of public key.")],
    ) -> None:
        # A path parameter keeps the slashes a base64 fingerprint may hold, and starts with one.
        ssh.delete_key(context, credential.reseller_id, domain_name, fingerprint.removeprefix("/"))
