"""The panel's webhook pages: endpoints, their delivery log, and sending an event again."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import pytest

from reseller_api.settings import Settings
from tests.controlpanel.conftest import Browser
from tests.harness import Caller
from tests.webhook_receiver import Receiver, receiver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, webhook_allow_private=True)  # the receiver is on loopback


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


def test_webhooks_and_their_deliveries_are_shown_and_sent_again(
    alice: Browser, api: Caller, hooks: Receiver
) -> None:
    created = api.post("/v2/webhooks", {"url": hooks.url, "events": ["*"], "description": "shop"}).json()
    assert api.post(f"/v2/webhooks/{created['id']}/test").status_code == 202
    hooks.wait_for(1)
    listing = alice.get("/controlpanel/webhooks")
    assert listing.status_code == 200
    assert hooks.url in listing.text
    assert created["secret"] not in listing.text
    page = f"/controlpanel/webhooks/{created['id']}"
    deadline = time.monotonic() + 10
    while "succeeded" not in (detail := alice.get(page)).text:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert "webhook.test" in detail.text
    [delivery_form] = [a for a in detail.text.split('action="') if a.startswith(f"{page}/deliveries/")]
    action = delivery_form.split('"', 1)[0]
    sent = alice.submit(action)
    assert sent.status_code == 303
    assert "notice=redelivered" in sent.headers["location"]
    again = hooks.wait_for(2)
    assert again[0].headers["webhook-id"] == again[1].headers["webhook-id"]
    assert "queued to be sent again" in alice.get(sent.headers["location"]).text
    audit = alice.get("/controlpanel/audit")
    assert "redeliver webhook event" in audit.text


def test_another_resellers_webhook_is_not_found(
    alice: Browser,
    api: Caller,
    hooks: Receiver,
    browser_factory: object,
    database: object,
    credentials: object,
) -> None:
    from tests.controlpanel.conftest import make_user

    created = api.post("/v2/webhooks", {"url": hooks.url, "events": ["*"]}).json()
    make_user(database, credentials, "bob", "ops@bob.example")  # type: ignore[arg-type]
    bob = browser_factory()  # type: ignore[operator]
    assert bob.sign_in("ops@bob.example").status_code == 303
    assert bob.get(f"/controlpanel/webhooks/{created['id']}").status_code == 404
    assert hooks.url not in bob.get("/controlpanel/webhooks").text
