"""Webhooks from a real ``reseller-api serve`` to a real receiver on loopback: a server killed
mid-delivery sends the event again after its restart, with the same webhook-id."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from reseller_api.client.webhooks import verify
from tests.integration.conftest import Deployment, Server
from tests.webhook_receiver import receiver

pytestmark = pytest.mark.integration


def test_a_delivery_cut_by_a_crash_is_sent_again_after_the_restart(
    deployment: Deployment, start_server: Callable[..., Server]
) -> None:
    deployment.extra_env["RESELLER_API_WEBHOOK_ALLOW_PRIVATE"] = "true"  # the receiver is on loopback
    server = start_server(deployment, "first")
    creds = deployment.bootstrap_credentials()
    with receiver() as hooks, server.client(creds["api_key"], creds["api_secret"]) as api:
        hooks.hold = threading.Event()
        created = api.post("/v2/webhooks", {"url": hooks.url, "events": ["*"]})
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        assert api.post(f"/v2/webhooks/{created.json()['id']}/test").status_code == 202
        assert hooks.hold.wait(20), "the delivery never arrived"
        server.kill()  # mid-delivery: the receiver has the request, the server never hears back
        hooks.release.set()
        restarted = start_server(deployment, "second")
        arrived = hooks.wait_for(2, timeout=20)
        assert arrived[0].headers["webhook-id"] == arrived[1].headers["webhook-id"]
        assert verify(secret, arrived[1].body, arrived[1].headers)["type"] == "webhook.test"
        with restarted.client(creds["api_key"], creds["api_secret"]) as again:
            log = again.get(f"/v2/webhooks/{created.json()['id']}/deliveries").json()
        assert [(d["status"], d["attempts"]) for d in log] == [("succeeded", 1)]
