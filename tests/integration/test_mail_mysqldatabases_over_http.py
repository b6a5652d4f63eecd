"""Mailboxes, a mail zone and a MySQL database over real HTTP, against ``reseller-api serve``."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from tests.integration.conftest import Deployment, Server, SignedClient

pytestmark = pytest.mark.integration


@pytest.fixture
def client(shared_deployment: Deployment, shared_server: Server) -> Iterator[SignedClient]:
    created = shared_deployment.admin_json(
        "key", "create", "--reseller", f"mail-{uuid.uuid4().hex[:8]}", "--allow-ip", "127.0.0.1"
    )
    with shared_server.client(created["api_key"], created["api_secret"]) as signed:
        yield signed


def wait(client: SignedClient, location: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while (job := client.get(location)).status_code == 200:
        assert job.json()["status"] == "ongoing", job.text
        assert time.monotonic() < deadline, f"{location} still ongoing"
        time.sleep(0.1)
    assert job.status_code == 201, job.text
    return str(job.json()["resource_links"][0])


def test_mail_and_database_over_http(client: SignedClient) -> None:
    domain = f"shop{uuid.uuid4().hex[:6]}.be"
    accepted = client.post(
        "/v2/accounts", {"identifier": domain, "servicepack_id": 1, "ftp_password": "Secret123x"}
    )
    assert accepted.status_code == 202, accepted.text
    account_id = int(wait(client, accepted.headers["location"]).rsplit("/", 1)[1])

    mailbox = client.post(
        f"/v2/mailboxes/{domain}", {"email": "info", "account_id": account_id, "password": "Mailbox123x"}
    )
    assert mailbox.status_code == 201, mailbox.text
    address = f"info@{domain}"
    assert mailbox.headers["location"] == f"/v2/mailboxes/{address}"
    reply = client.request("PUT", f"/v2/mailboxes/{address}/autoreply", {"enabled": True, "message": "Away"})
    assert reply.status_code == 204
    alias = client.post(
        f"/v2/mailzones/{domain}/aliases", {"email_address": f"sales@{domain}", "destinations": [address]}
    )
    assert alias.status_code == 201

    database = client.post(
        "/v2/mysqldatabases", {"database_name": "shop", "account_id": account_id, "password": "Database123x"}
    )
    assert database.status_code == 202, database.text
    link = wait(client, database.headers["location"])
    assert link == f"/v2/mysqldatabases/id{account_id}_shop"

    listing = client.get(f"/v2/mailboxes?domain_name={domain}")
    assert listing.json() == [{"name": address, "max_size": 2048, "actual_size": 0}]
    for header in ("x-paging-skipped", "x-paging-take", "x-paging-totalresults", "x-ratelimit-remaining"):
        assert header in listing.headers
    detail = client.get(f"/v2/mailboxes/{address}").json()
    assert detail["auto_reply"] == {"enabled": True, "subject": "", "message": "Away"}
    zone = client.get(f"/v2/mailzones/{domain}").json()
    assert zone["aliases"] == [{"email_address": f"sales@{domain}", "destinations": [address]}]
    assert zone["available_accounts"] == [{"account_id": account_id, "size": 2048}]
    assert client.get(f"/v2/mailboxes/{domain}/quota").json() == [{"account_id": account_id, "size": 2048}]
    db = client.get(link).json()
    assert db == {
        "name": f"id{account_id}_shop",
        "hostname": "mysql.reseller-api.test",
        "user_count": 1,
        "max_size": 1024,
        "actual_size": 0,
        "account_id": account_id,
    }
    users = client.get(f"{link}/users").json()
    assert users == [{"name": f"id{account_id}_shop", "rights": "read_and_write", "enabled": True}]
    for response in client.responses:
        for secret in ("Secret123x", "Mailbox123x", "Database123x"):
            assert secret not in response.text
