"""``/v2/linuxhostings/{domainName}/ssh/keys``: the SSH keys attached to a hosting."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote

from litestar import Controller, MediaType, Request, Response, delete, get, post
from litestar.params import JSONBody, Parameter

from reseller_api.conventions.dependencies import Caller, Context
from reseller_api.conventions.replies import created
from reseller_api.resources.linuxhostings import ssh
from reseller_api.resources.linuxhostings.routes import TAGS, DomainName, hosting_location
from reseller_api.wire.linuxhostings import AddSshKeyRequest, SshKey


class SshKeyController(Controller):
    path = "/v2/linuxhostings/{domain_name:str}/ssh/keys"
    tags = TAGS

    @get(
        "/",
        operation_id="GetSshKeys",
        summary="Overview of SSH keys",
        description="The SSH public keys authorised on this hosting.",
        sync_to_thread=False,
    )
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
        return created(hosting_location(domain_name, "ssh", "keys", fingerprint), MediaType.TEXT)

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
        request: Request[Any, Any, Any],
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        fingerprint: Annotated[str, Parameter(description="Fingerprint of public key.")],
    ) -> None:
        ssh.delete_key(context, credential.reseller_id, domain_name, _as_sent(request, fingerprint))


def _as_sent(request: Request[Any, Any, Any], fingerprint: str) -> str:
    """The fingerprint as the client sent it. A base64 fingerprint may hold "//", which the
    framework's path parameter collapses to "/" (a key that then matches nothing): it is read
    from the raw path instead, when the server gives one."""
    raw = request.scope.get("raw_path")
    marker = b"/ssh/keys/"
    if isinstance(raw, bytes) and marker in raw:
        return unquote(raw.split(marker, 1)[1].split(b"?", 1)[0].decode("latin-1"))
    return fingerprint.removeprefix("/")  # the path parameter starts with its slash
