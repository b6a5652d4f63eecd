"""Webhooks (docs/extensions.md) against a real receiver on a loopback port: the API, the
outbox, delivery, signatures, retries, a deliverer that dies mid-delivery, order per resource."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from reseller_api import clock
from reseller_api.app import create_app
from reseller_api.client.webhooks import InvalidSignature, verify
from reseller_api.credentials.service import CredentialsService
from reseller_api.crypto import SecretBox, generate_key
from reseller_api.resources.webhooks.delivery import Deliverer
from reseller_api.resources.webhooks.tables import webhook_deliveries, webhook_events
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import audit_log, idempotency_keys, webhook_endpoints
from tests.conftest import TEST_SECRET_KEY
from tests.harness import Caller, error_codes
from tests.webhook_receiver import Receiver, receiver

DOMAIN = {"domain_name": "example.com", "name_servers": []}
TXT = {"type": "TXT", "record_name": "", "content": "v=spf1 -all", "ttl": 3600}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The receiver listens on loopback, which only an operator's setting allows.
    return dataclasses.replace(settings, webhook_allow_private=True, webhook_retry_window=60)


@pytest.fixture
def app(settings: Settings, database: Database, clock: Any) -> Iterator[Any]:
    """Jobs and deliveries are run by the tests, step by step."""
    app = create_app(settings, database=database, clock=clock, run_jobs=False)
    yield app
    app.dispose()


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


def later(seconds: float) -> None:
    """Move the installation's clock on (the gate's, for signatures, stays)."""
    start = time.time()
    offset = clock.time() - start + seconds
    clock.use(lambda: time.time() + offset)


@pytest.fixture(autouse=True)
def _wall_clock_after() -> Iterator[None]:
    yield
    clock.use(None)


def deliver(app: Any) -> int:
    return int(app.deliverer.deliver_due())


def run_jobs(app: Any) -> None:
    later(5)
    app.context.runner.run_due()


def register(api: Caller, hooks: Receiver, events: list[str] | None = None) -> dict[str, Any]:
    created = api.post("/v2/webhooks", {"url": hooks.url, "events": events or ["*"], "description": "mine"})
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_a_replayable_create_keeps_its_secret_encrypted_at_rest(
    api: Caller, hooks: Receiver, database: Database
) -> None:
    body = {"url": hooks.url, "events": ["*"]}
    created = api.post("/v2/webhooks", body, headers={"Idempotency-Key": "hook-1"})
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    with database.transaction() as conn:
        stored = bytes(conn.execute(select(idempotency_keys.c.response_body)).scalar_one())
    assert secret.encode() not in stored
    again = api.post("/v2/webhooks", body, headers={"Idempotency-Key": "hook-1"})
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == created.content


def test_endpoints_are_created_listed_shown_changed_and_deleted(api: Caller, hooks: Receiver) -> None:
    created = register(api, hooks, ["account.created"])
    assert created["secret"].startswith("whsec_")
    location = f"/v2/webhooks/{created['id']}"
    shown = api.get(location).json()
    assert "secret" not in shown
    assert shown["events"] == ["account.created"]
    assert shown["enabled"] is True
    listed = api.get("/v2/webhooks")
    assert [w["id"] for w in listed.json()] == [created["id"]]
    assert listed.headers["x-paging-totalresults"] == "1"
    changed = api.put(location, {"events": ["*"], "enabled": False})
    assert changed.status_code == 200
    assert (changed.json()["events"], changed.json()["enabled"]) == (["*"], False)
    assert json.dumps(changed.json()).count("whsec_") == 0
    assert api.delete(location).status_code == 204
    assert api.get(location).status_code == 404


def test_bad_endpoints_are_refused_and_change_nothing(api: Caller, hooks: Receiver) -> None:
    refusals = [
        {"url": "http://example.com/hooks", "events": ["*"]},  # http, not loopback
        {"url": "ftp://127.0.0.1/x", "events": ["*"]},
        {"url": "https://user:pw@127.0.0.1/x", "events": ["*"]},
        {"url": hooks.url, "events": []},
        {"url": hooks.url, "events": ["account.exploded"]},
        {"url": hooks.url, "events": ["*"], "description": "x" * 201},
    ]
    for body in refusals:
        response = api.post("/v2/webhooks", body)
        assert response.status_code == 400, body
        assert error_codes(response)[0].startswith("webhook_")
    assert api.get("/v2/webhooks").json() == []


def test_another_reseller_sees_nothing(api: Caller, hooks: Receiver, credentials: Any) -> None:
    created = register(api, hooks)
    other = credentials.create_key("bob", ["127.0.0.1"])
    bob = Caller(api.client, other.api_key, other.api_secret)
    assert bob.get(f"/v2/webhooks/{created['id']}").status_code == 404
    assert bob.post(f"/v2/webhooks/{created['id']}/test").status_code == 404
    assert bob.post(f"/v2/webhooks/{created['id']}/secret/rotate").status_code == 404
    assert bob.get("/v2/webhooks").json() == []


def test_a_rotated_secret_signs_every_delivery_from_then_on(api: Caller, app: Any, hooks: Receiver) -> None:
    created = register(api, hooks)
    assert api.post(f"/v2/webhooks/{created['id']}/test").status_code == 202  # queued before the rotation
    rotated = api.post(f"/v2/webhooks/{created['id']}/secret/rotate")
    assert rotated.status_code == 200, rotated.text
    answer = rotated.json()
    assert answer["secret"].startswith("whsec_")
    assert answer["secret"] != created["secret"]
    assert {k: v for k, v in answer.items() if k != "secret"} == {
        k: v for k, v in created.items() if k != "secret"
    }
    assert "secret" not in api.get(f"/v2/webhooks/{created['id']}").json()
    assert deliver(app) == 1
    [arrived] = hooks.wait_for(1)
    assert verify(answer["secret"], arrived.body, arrived.headers)["type"] == "webhook.test"
    with pytest.raises(InvalidSignature):
        verify(created["secret"], arrived.body, arrived.headers)


def test_signing_secrets_move_with_a_secret_key_rotation(api: Caller, database: Database) -> None:
    created = api.post("/v2/webhooks", {"url": "http://127.0.0.1:9/x", "events": ["*"]}).json()
    new = generate_key()
    CredentialsService(database, SecretBox(new, TEST_SECRET_KEY.encode())).rotate_secret_key()
    with database.engine.connect() as conn:
        token = conn.execute(select(webhook_endpoints.c.secret)).scalar_one()
    assert created["secret"] not in token
    assert SecretBox(new).decrypt(token) == created["secret"]  # the old key is no longer needed


def test_a_test_event_is_delivered_signed_and_logged(api: Caller, app: Any, hooks: Receiver) -> None:
    created = register(api, hooks)
    accepted = api.post(f"/v2/webhooks/{created['id']}/test")
    assert accepted.status_code == 202
    assert deliver(app) == 1
    [arrived] = hooks.wait_for(1)
    event = verify(created["secret"], arrived.body, arrived.headers)
    assert event["type"] == "webhook.test"
    assert set(event) == {"id", "type", "created_at", "data"}
    assert arrived.headers["webhook-id"] == event["id"]
    with pytest.raises(InvalidSignature):
        verify(created["secret"], arrived.body + b" ", arrived.headers)
    with pytest.raises(InvalidSignature):
        verify(created["secret"], arrived.body, arrived.headers, now=time.time() + 3600)
    log = api.get(accepted.headers["location"]).json()
    assert log["status"] == "succeeded"
    assert log["response_code"] == 204
    assert log["attempts"] == 1
    assert log["latency_ms"] >= 0
    listed = api.get(f"/v2/webhooks/{created['id']}/deliveries").json()
    assert [d["id"] for d in listed] == [log["id"]]


def test_jobs_and_synchronous_writes_send_their_events(api: Caller, app: Any, hooks: Receiver) -> None:
    created = register(api, hooks)
    assert api.post("/v2/domains/registrations", DOMAIN).status_code == 202
    deliver(app)
    assert hooks.received == []  # a 202 tells of nothing yet: the job's end will
    run_jobs(app)
    record = api.post("/v2/dns/example.com/records", TXT)
    assert record.status_code == 201
    refused = api.post("/v2/dns/example.com/records", {**TXT, "type": "NOPE"})
    assert refused.status_code == 400
    while deliver(app):
        pass
    arrived = hooks.wait_for(3)
    types = [verify(created["secret"], r.body, r.headers, now=clock.time())["type"] for r in arrived]
    assert types == ["provisioningjob.finished", "domain.created", "dns_record.created"]
    finished = json.loads(hooks.received[0].body)["data"]
    assert finished["status"] == "finished"
    assert finished["resource_links"]


def test_only_subscribed_events_are_sent(api: Caller, app: Any, hooks: Receiver, database: Database) -> None:
    register(api, hooks, ["dns_record.deleted"])
    assert api.post("/v2/domains/registrations", DOMAIN).status_code == 202
    run_jobs(app)
    assert deliver(app) == 0
    with database.transaction() as conn:
        assert conn.execute(select(webhook_events)).all() == []  # nobody listens: no event


def test_a_failed_delivery_is_retried_with_the_same_id(api: Caller, app: Any, hooks: Receiver) -> None:
    created = register(api, hooks)
    hooks.fail = 1
    accepted = api.post(f"/v2/webhooks/{created['id']}/test")
    assert deliver(app) == 1
    first = api.get(accepted.headers["location"]).json()
    assert (first["status"], first["attempts"], first["response_code"]) == ("pending", 1, 500)
    assert deliver(app) == 0  # not due before its back-off
    later(6)
    assert deliver(app) == 1
    [arrived] = hooks.wait_for(1)
    assert arrived.headers["webhook-id"] == first["event_id"]
    done = api.get(accepted.headers["location"]).json()
    assert (done["status"], done["attempts"], done["response_code"]) == ("succeeded", 2, 204)


def test_a_deliverer_that_dies_mid_delivery_leaves_it_to_another(
    api: Caller, app: Any, hooks: Receiver, settings: Settings, database: Database
) -> None:
    created = register(api, hooks)
    accepted = api.post(f"/v2/webhooks/{created['id']}/test")
    delivery_id = int(accepted.headers["location"].rsplit("/", 1)[1])
    dead = Deliverer(database, app.context.box, allow_private=True, retry_window=60)
    assert dead.claim(delivery_id) is not None  # ... and the process dies before sending
    dead.close()
    assert deliver(app) == 0  # leased
    later(31)
    assert deliver(app) == 1
    assert len(hooks.wait_for(1)) == 1
    assert api.get(accepted.headers["location"]).json()["status"] == "succeeded"


def test_deliveries_of_one_resource_keep_their_order(api: Caller, app: Any, hooks: Receiver) -> None:
    created = register(api, hooks)
    hooks.fail = 1
    first = api.post(f"/v2/webhooks/{created['id']}/test").headers["location"]
    second = api.post(f"/v2/webhooks/{created['id']}/test").headers["location"]
    assert deliver(app) == 1  # the first fails; the second waits behind it
    assert api.get(second).json()["attempts"] == 0
    later(6)
    deliver(app)
    deliver(app)
    ids = [r.headers["webhook-id"] for r in hooks.wait_for(2)]
    assert ids == [api.get(first).json()["event_id"], api.get(second).json()["event_id"]]


def test_an_endpoint_failing_past_the_window_is_disabled_and_audited(
    api: Caller, app: Any, hooks: Receiver, database: Database
) -> None:
    created = register(api, hooks)
    hooks.fail = 100
    accepted = api.post(f"/v2/webhooks/{created['id']}/test")
    for step in range(1, 8):
        later(step * 20)
        deliver(app)
    assert api.get(accepted.headers["location"]).json()["status"] == "failed"
    endpoint = api.get(f"/v2/webhooks/{created['id']}").json()
    assert endpoint["enabled"] is False
    assert "failed" in endpoint["disabled_reason"]
    with database.transaction() as conn:
        actions = [r.action for r in conn.execute(select(audit_log.c.action))]
    assert "disable webhook endpoint" in actions
    enabled = api.put(f"/v2/webhooks/{created['id']}", {"enabled": True}).json()
    assert (enabled["enabled"], enabled["disabled_reason"]) == (True, None)


def test_a_delivery_can_be_sent_again(api: Caller, app: Any, hooks: Receiver, database: Database) -> None:
    created = register(api, hooks)
    accepted = api.post(f"/v2/webhooks/{created['id']}/test").headers["location"]
    deliver(app)
    again = api.post(f"{accepted}/redeliver")
    assert again.status_code == 202
    assert again.headers["location"] != accepted
    deliver(app)
    arrived = hooks.wait_for(2)
    assert arrived[0].headers["webhook-id"] == arrived[1].headers["webhook-id"]
    with database.transaction() as conn:
        assert len(conn.execute(select(webhook_deliveries)).all()) == 2


def test_a_disabled_endpoint_gets_tests_but_no_events(api: Caller, app: Any, hooks: Receiver) -> None:
    created = register(api, hooks)
    assert api.put(f"/v2/webhooks/{created['id']}", {"enabled": False}).status_code == 200
    assert api.post("/v2/domains/registrations", DOMAIN).status_code == 202
    run_jobs(app)
    assert deliver(app) == 0
    assert api.post(f"/v2/webhooks/{created['id']}/test").status_code == 202
    assert deliver(app) == 1
    [arrived] = hooks.wait_for(1)
    assert json.loads(arrived.body)["type"] == "webhook.test"


def test_a_write_the_backend_refuses_sends_no_event(
    api: Caller, app: Any, hooks: Receiver, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A DNS record is committed, then pushed; the DNS server refusing puts the row back, and the
    # event written with the commit must go with it (it was held until the answer settled it).
    from reseller_api.backends.base import BackendRefused
    from reseller_api.backends.simulated.dns import SimulatedDns

    register(api, hooks)
    assert api.post("/v2/domains/registrations", DOMAIN).status_code == 202
    run_jobs(app)

    def refuse(*args: object, **kwargs: object) -> None:
        raise BackendRefused("the DNS server said no")

    monkeypatch.setattr(SimulatedDns, "replace_rrset", refuse)
    assert error_codes(api.post("/v2/dns/example.com/records", TXT)) == ["backend_refused"]
    monkeypatch.undo()
    with database.engine.connect() as conn:
        assert "dns_record.created" not in conn.execute(select(webhook_events.c.type)).scalars().all()
    assert api.post("/v2/dns/example.com/records", TXT).status_code == 201
    while deliver(app):
        pass
    arrived = [json.loads(r.body)["type"] for r in hooks.wait_for(3)]
    assert arrived == ["provisioningjob.finished", "domain.created", "dns_record.created"]


def test_a_held_event_left_by_a_crash_goes_out_after_its_hold(
    api: Caller, app: Any, hooks: Receiver, database: Database
) -> None:
    # A process that died between its write's commit and its answer never settled the event:
    # it is delivered once the hold is over (the write's rows were committed).
    from reseller_api.resources.webhooks import events

    created = register(api, hooks)
    with database.transaction() as conn:
        reseller_id = conn.execute(
            select(webhook_endpoints.c.reseller_id).where(webhook_endpoints.c.id == created["id"])
        ).scalar_one()
        emitted = events.emit(conn, reseller_id, "domain.updated", {}, "/v2/domains/x.eu", held=True)
    assert emitted is not None
    assert deliver(app) == 0
    later(events.HOLD_SECONDS + 1)
    assert deliver(app) == 1
