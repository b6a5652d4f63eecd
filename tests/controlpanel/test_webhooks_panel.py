"""The panel's webhook pages: endpoints created, changed, tested, rotated and deleted through the
API's own service (same rules), their signing secret shown once, their delivery log sent again."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import select, update

from reseller_api.client.webhooks import InvalidSignature, verify
from reseller_api.credentials.service import CredentialsService
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import audit_log, panel_webhook_secret_views, webhook_endpoints
from tests.controlpanel.conftest import Browser, make_user
from tests.harness import Caller
from tests.webhook_receiver import Receiver, receiver

HOOKS = "/controlpanel/webhooks"
SECRET = re.compile(r'<code class="token whole" id="webhook-secret">([^<]+)</code>')


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, webhook_allow_private=True)  # the receiver is on loopback


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


def create(browser: Browser, **fields: str | list[str]) -> httpx.Response:
    browser.get(HOOKS)
    return browser.submit(HOOKS, {"enabled": "yes", **fields})


def shown_secret(browser: Browser, response: httpx.Response) -> tuple[int, str]:
    """Follow a create's or rotate's redirect to the page that shows the signing secret once."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    found = re.fullmatch(rf"{HOOKS}/(\d+)/secret", location)
    assert found, location
    page = browser.get(location)
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    secret = SECRET.search(page.text)
    assert secret, page.text
    return int(found.group(1)), secret.group(1)


def audited(database: Database, action: str) -> list[str]:
    with database.engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.detail).where(audit_log.c.action == action))
        return [r[0] for r in rows]


def test_a_created_endpoint_shows_its_secret_once_and_is_made_once(
    alice: Browser, api: Caller, hooks: Receiver, database: Database
) -> None:
    listing = alice.get(HOOKS)
    assert 'value="*" checked' in listing.text  # all events, by default
    webhook_id, secret = shown_secret(
        alice,
        create(
            alice, url=hooks.url, description="shop", events=["account.created", "provisioningjob.failed"]
        ),
    )
    assert secret.startswith("whsec_")
    endpoint = api.get(f"/v2/webhooks/{webhook_id}").json()
    assert endpoint["url"] == hooks.url
    assert endpoint["description"] == "shop"
    assert endpoint["events"] == ["account.created", "provisioningjob.failed"]
    assert endpoint["enabled"] is True
    # Once: a reload (or any later visit) does not show it, and no note of it is kept.
    again = alice.get(f"{HOOKS}/{webhook_id}/secret")
    assert again.status_code == 410
    assert "shown once" in again.text
    assert secret not in again.text
    with database.engine.connect() as conn:
        assert conn.execute(select(panel_webhook_secret_views)).all() == []
    page = alice.get(f"{HOOKS}/{webhook_id}")
    assert secret not in page.text
    assert secret not in alice.get(HOOKS).text
    # It is the secret deliveries are signed with: send a test event from the panel.
    tested = alice.submit(f"{HOOKS}/{webhook_id}/test")
    assert tested.status_code == 303
    assert tested.headers["location"].endswith("notice=webhook-tested")
    [arrived] = hooks.wait_for(1)
    assert verify(secret, arrived.body, arrived.headers)["data"] == {"webhook_id": webhook_id}
    assert "webhook.test" in alice.get(f"{HOOKS}/{webhook_id}").text

    # A create sent twice (a double click, the back button) makes one endpoint.
    alice.get(HOOKS)
    form = {
        "csrf_token": alice.csrf(),
        "form_token": alice.form_token(HOOKS) or "",
        "url": hooks.url + "second",
        "events": "*",
    }
    first = alice.request("POST", HOOKS, data=form)
    assert first.status_code == 303
    second = alice.request("POST", HOOKS, data=form)
    assert second.status_code == 200
    assert "Already done" in second.text
    assert len(api.get("/v2/webhooks").json()) == 2
    assert [d.split(":")[0] for d in audited(database, "create webhook endpoint")] == [
        f"webhook {webhook_id}",
        f"webhook {webhook_id + 1}",
    ]
    assert audited(database, "send webhook test event")
    log = alice.get("/controlpanel/audit").text
    assert f"Added webhook {webhook_id}: {hooks.url}" in log
    assert secret not in log


def test_an_endpoint_is_changed_enabled_again_rotated_and_deleted(
    alice: Browser, api: Caller, hooks: Receiver, database: Database
) -> None:
    created = api.post("/v2/webhooks", {"url": hooks.url, "events": ["*"], "description": "old"}).json()
    page = f"{HOOKS}/{created['id']}"
    alice.get(page)
    saved = alice.submit(page, {"url": hooks.url + "v2", "events": ["domain.created"], "description": "new"})
    assert saved.status_code == 303
    assert saved.headers["location"].endswith("notice=webhook-saved")
    changed = api.get(f"/v2/webhooks/{created['id']}").json()
    assert (changed["url"], changed["events"], changed["description"]) == (
        hooks.url + "v2",
        ["domain.created"],
        "new",
    )
    assert changed["enabled"] is False  # the box was not ticked: switched off
    assert audited(database, "change webhook endpoint") == [
        f"webhook {created['id']}: url, events, description, enabled"
    ]

    # Disabled by the deliverer (its retries ran out): the page says why and switches it back on.
    with database.transaction() as conn:
        conn.execute(
            update(webhook_endpoints)
            .where(webhook_endpoints.c.id == created["id"])
            .values(enabled=False, disabled_reason="deliveries failed for 24 hours")
        )
    shown = alice.get(page)
    assert "deliveries failed for 24 hours" in shown.text
    enabled = alice.submit(f"{page}/enable")
    assert enabled.headers["location"].endswith("notice=webhook-enabled")
    back = api.get(f"/v2/webhooks/{created['id']}").json()
    assert back["enabled"] is True
    assert back["disabled_reason"] is None

    # Rotate: a new secret, shown once, signs what is sent from then on.
    alice.get(page)
    _, rotated = shown_secret(alice, alice.submit(f"{page}/rotate"))
    assert rotated != created["secret"]
    assert "New signing secret" in alice.last.text  # type: ignore[union-attr]
    assert alice.get(f"{page}/secret").status_code == 410
    alice.get(page)
    alice.submit(f"{page}/test")
    [arrived] = hooks.wait_for(1)
    assert verify(rotated, arrived.body, arrived.headers)["type"] == "webhook.test"
    with pytest.raises(InvalidSignature):
        verify(created["secret"], arrived.body, arrived.headers)

    # Delete asks first; then the endpoint is gone.
    confirm = alice.get(f"{page}/delete")
    assert confirm.status_code == 200
    assert "Yes, delete it" in confirm.text
    assert api.get(f"/v2/webhooks/{created['id']}").status_code == 200  # asking changed nothing
    deleted = alice.submit(f"{page}/delete")
    assert deleted.headers["location"] == f"{HOOKS}?notice=webhook-deleted"
    assert api.get(f"/v2/webhooks/{created['id']}").status_code == 404
    assert alice.get(page).status_code == 404
    log = alice.get("/controlpanel/audit").text
    for sentence in (
        "Changed webhook",
        "Enabled webhook",
        "Rotated the signing secret of webhook",
        "Deleted webhook",
    ):
        assert sentence in log, sentence
    assert rotated not in log


def test_bad_input_is_refused_in_the_form_and_changes_nothing(
    alice: Browser, api: Caller, hooks: Receiver, database: Database
) -> None:
    refusals: list[tuple[dict[str, str | list[str]], str]] = [
        ({"url": "http://example.com/hooks", "events": "*"}, "must use https"),
        ({"url": "https://user:pw@127.0.0.1/x", "events": "*"}, "user name or password"),
        ({"url": "ftp://127.0.0.1/x", "events": "*"}, "absolute https URL"),
        ({"url": hooks.url}, "non-empty list of event types"),
        ({"url": hooks.url, "events": ["account.exploded"]}, "Unknown: account.exploded"),
        ({"url": hooks.url, "events": "*", "description": "x" * 201}, "at most 200 characters"),
    ]
    for fields, text in refusals:
        refused = create(alice, **fields)
        assert refused.status_code == 400, fields
        assert text in refused.text, (fields, refused.text)
        assert 'class="error"' in refused.text
        if fields["url"].startswith("http://example.com"):
            assert 'value="http://example.com/hooks"' in refused.text  # kept, to be corrected
    assert api.get("/v2/webhooks").json() == []
    # A refused form gives its token back: corrected, the same form goes through.
    alice.get(HOOKS)
    form: dict[str, str] = {"csrf_token": alice.csrf(), "form_token": alice.form_token(HOOKS) or ""}
    assert (
        alice.request("POST", HOOKS, data={**form, "url": "http://example.com/x", "events": "*"}).status_code
        == 400
    )
    assert alice.request("POST", HOOKS, data={**form, "url": hooks.url, "events": "*"}).status_code == 303

    [endpoint] = api.get("/v2/webhooks").json()
    page = f"{HOOKS}/{endpoint['id']}"
    alice.get(page)
    refused = alice.submit(page, {"url": "https://10.0.0.1:99999/x", "events": ["domain.created"]})
    assert refused.status_code == 400
    assert "not a valid URL" in refused.text
    assert api.get(f"/v2/webhooks/{endpoint['id']}").json() == endpoint
    assert audited(database, "change webhook endpoint") == []


def test_webhook_forms_need_the_csrf_token(alice: Browser, api: Caller, hooks: Receiver) -> None:
    created = api.post("/v2/webhooks", {"url": hooks.url, "events": ["*"]}).json()
    page = f"{HOOKS}/{created['id']}"
    alice.get(HOOKS)
    assert alice.submit(HOOKS, {"url": hooks.url, "events": "*"}, csrf="forged").status_code == 403
    for action in (page, f"{page}/test", f"{page}/rotate", f"{page}/enable", f"{page}/delete"):
        alice.get(page)
        assert alice.submit(action, {"url": "https://127.0.0.1/y", "events": "*"}, csrf="").status_code == 403
    assert api.get("/v2/webhooks").json() == [{k: v for k, v in created.items() if k != "secret"}]
    assert hooks.received == []


def test_another_resellers_webhook_is_not_found(
    alice: Browser,
    api: Caller,
    hooks: Receiver,
    browser_factory: Callable[..., Browser],
    database: Database,
    credentials: CredentialsService,
) -> None:
    created = api.post("/v2/webhooks", {"url": hooks.url, "events": ["*"]}).json()
    make_user(database, credentials, "bob", "ops@bob.example")
    bob = browser_factory()
    assert bob.sign_in("ops@bob.example").status_code == 303
    page = f"{HOOKS}/{created['id']}"
    for path in (page, f"{page}/delete", f"{page}/secret"):
        assert bob.get(path).status_code == 404, path
    assert hooks.url not in bob.get(HOOKS).text
    for action in (page, f"{page}/test", f"{page}/rotate", f"{page}/enable", f"{page}/delete"):
        bob.get(HOOKS)
        refused = bob.submit(action, {"url": hooks.url + "bob", "events": "*"})
        assert refused.status_code == 404, action
    assert api.get(f"/v2/webhooks/{created['id']}").json() == {
        k: v for k, v in created.items() if k != "secret"
    }
    assert hooks.received == []


def test_deliveries_are_shown_and_sent_again(alice: Browser, api: Caller, hooks: Receiver) -> None:
    created = api.post("/v2/webhooks", {"url": hooks.url, "events": ["*"], "description": "shop"}).json()
    assert api.post(f"/v2/webhooks/{created['id']}/test").status_code == 202
    hooks.wait_for(1)
    listing = alice.get(HOOKS)
    assert listing.status_code == 200
    assert hooks.url in listing.text
    assert created["secret"] not in listing.text
    page = f"{HOOKS}/{created['id']}"
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
    assert "Sent an event again" in audit.text


def test_an_expired_session_sends_a_webhook_form_back_to_its_page(
    alice: Browser, hooks: Receiver, api: Caller
) -> None:
    created = api.post("/v2/webhooks", {"url": hooks.url, "events": ["*"]}).json()
    page = f"{HOOKS}/{created['id']}"
    alice.get(page)
    csrf = alice.csrf()
    alice.cookies.pop("reseller_panel_session")
    lost = alice.request("POST", f"{page}/test", data={"csrf_token": csrf})
    assert lost.status_code == 303
    assert "next=" + page.replace("/controlpanel", "").replace("/", "%2F") in lost.headers["location"]
    assert hooks.received == []
