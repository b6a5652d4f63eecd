"""A Linux hosting over real HTTP: account with a hosting pack, SSH key, PHP switch, subsite, read back."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.integration.conftest import Deployment, Server, SignedClient

pytestmark = pytest.mark.integration


def wait(client: SignedClient, location: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    while (job := client.get(location)).status_code == 200:
        assert job.json()["status"] == "ongoing", job.text
        assert time.monotonic() < deadline, "job still ongoing"
        time.sleep(0.1)
    assert job.status_code == 201, job.text
    return str(job.json()["resource_links"][0])


def test_hosting_scenario(shared_deployment: Deployment, shared_server: Server) -> None:
    created = shared_deployment.admin_json(
        "key", "create", "--reseller", f"hoster-{uuid.uuid4().hex[:8]}", "--allow-ip", "127.0.0.1"
    )
    domain = f"site-{uuid.uuid4().hex[:8]}.be"
    base = f"/v2/linuxhostings/{domain}"
    with shared_server.client(created["api_key"], created["api_secret"]) as api:
        order = {"identifier": domain, "servicepack_id": 1, "ftp_password": "Secret123x"}
        accepted = api.post("/v2/accounts", order)
        assert accepted.status_code == 202, accepted.text
        wait(api, accepted.headers["location"])

        key = ed25519.Ed25519PrivateKey.generate().public_key()
        line = key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode() + " deploy@ci"
        digest = hashlib.sha256(base64.b64decode(line.split()[1])).digest()
        fingerprint = "SHA256:" + base64.b64encode(digest).decode().rstrip("=")
        added = api.post(f"{base}/ssh/keys", {"public_key": line})
        assert added.status_code == 201, added.text
        assert added.headers["location"] == f"{base}/ssh/keys/{quote(fingerprint, safe=':')}"
        duplicate = api.post(f"{base}/ssh/keys", {"public_key": line})
        assert duplicate.status_code == 400
        assert duplicate.json()["error_code"] == "ssh_key_already_exists"  # top-level, as the vendor's

        versions = [v["version"] for v in api.get(f"{base}/phpsettings/availableversions").json()]
        target = next(v for v in versions if v != "8.3")
        assert api.request("PUT", f"{base}/phpsettings/version", {"version": target}).status_code == 204

        subsite = api.post(f"{base}/subsites", {"domain_name": f"blog.{domain}", "path": "/subsites"})
        assert subsite.status_code == 201, subsite.text
        missing = api.post(f"{base}/subsites", {"domain_name": f"shop.{domain}"})
        assert missing.status_code == 400  # /subsites/shop.<domain> was never created

        detail = api.get(base)
        assert detail.status_code == 200, detail.text
        body = detail.json()
        assert body["php_version"] == target
        assert body["ftp_username"] == domain
        assert [s["name"] for s in body["sites"]] == [domain, f"blog.{domain}"]
        assert body["sites"][1]["path"] == "/subsites"
        assert api.get(f"{base}/ssh/keys").json() == [{"fingerprint": fingerprint, "public_key": line}]
        assert api.get("/v2/ssh").json() == [
            {"fingerprint": fingerprint, "public_key": line, "linux_hostings": [domain]}
        ]
        assert [h["domain_name"] for h in api.get("/v2/linuxhostings").json()] == [domain]
        # The password never comes back, in any form.
        for response in api.responses:
            assert "Secret123x" not in response.text
            assert "argon2" not in response.text
