"""Register a domain, wait for its job, then manage its records, over real HTTP."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from tests.integration.conftest import Deployment, Server, SignedClient

pytestmark = pytest.mark.integration


def wait_job(client: SignedClient, location: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(location)
        if response.status_code != 200 or response.json()["status"] != "ongoing":
            return response
        assert time.monotonic() < deadline, f"job {location} still ongoing"
        time.sleep(0.1)


def test_register_then_manage_records(shared_deployment: Deployment, shared_server: Server) -> None:
    created = shared_deployment.admin_json(
        "key", "create", "--reseller", f"dns-{uuid.uuid4().hex[:8]}", "--allow-ip", "127.0.0.1"
    )
    with shared_server.client(created["api_key"], created["api_secret"]) as api:
        domain = f"it-{uuid.uuid4().hex[:8]}.be"
        accepted = api.post("/v2/domains/registrations", {"domain_name": domain, "name_servers": []})
        assert accepted.status_code == 202, accepted.text
        done = wait_job(api, accepted.headers["location"])
        assert done.status_code == 201, done.text
        assert api.get(f"/v2/domains/{domain}").json()["domain_name"] == domain

        zone = f"/v2/dns/{domain}/records"
        bodies = [
            {"id": "", "type": "A", "record_name": "www", "content": "192.0.2.10"},
            {"id": "", "type": "MX", "record_name": "", "content": f"mail.{domain}", "priority": 10},
            {
                "id": "",
                "type": "SRV",
                "service": "_sip",
                "protocol": "TCP",
                "port": 5060,
                "target": f"sip.{domain}",
            },
            {"id": "", "type": "TXT", "record_name": "@", "content": "v=spf1 mx -all"},
        ]
        locations = []
        for body in bodies:
            response = api.post(zone, body)
            assert response.status_code == 201, response.text
            locations.append(response.headers["location"])
            assert locations[-1].startswith(zone + "/")

        record = api.get(locations[0]).json()
        edited = api.request("PUT", locations[0], {**record, "content": "192.0.2.11"})
        assert edited.status_code == 200, edited.text
        assert api.get(locations[0]).json()["content"] == "192.0.2.11"

        only_a = api.get(f"{zone}?type=A&record_name=www")
        assert [r["content"] for r in only_a.json()] == ["192.0.2.11"]
        assert [r["service"] for r in api.get(f"{zone}?type=SRV&service=_sip").json()] == ["_sip"]

        # The zone's SOA and two NS records come first.
        page = api.get(f"{zone}?skip=4&take=2")
        assert page.headers["x-paging-totalresults"] == "7"
        assert page.headers["x-paging-take"] == "2"
        assert [r["type"] for r in page.json()] == ["MX", "SRV"]

        assert api.request("DELETE", locations[1]).status_code == 204
        assert api.get(locations[1]).status_code == 404
        assert [r["type"] for r in api.get(zone).json()] == ["SOA", "NS", "NS", "A", "SRV", "TXT"]
