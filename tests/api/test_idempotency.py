"""``Idempotency-Key`` on writes (docs/extensions.md): replay, conflicts, concurrency, crashes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, insert, select

from reseller_api import clock
from reseller_api.app import create_app
from reseller_api.credentials.service import CredentialsService
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import accounts, idempotency_keys, provisioning_jobs
from tests.harness import AddressedClient, Caller, ClientAddress, error_codes

HOSTING = {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x"}


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def count(database: Database, table: Any) -> int:
    with database.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_repeat_replays_the_stored_response_and_changes_nothing(api: Caller, database: Database) -> None:
    first = api.post("/v2/accounts", HOSTING, headers=keyed("order-1"))
    assert first.status_code == 202, first.text
    assert "idempotent-replayed" not in first.headers
    again = api.post("/v2/accounts", HOSTING, headers=keyed("order-1"))
    assert again.status_code == 202
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["retry-after"] == first.headers["retry-after"]
    assert again.content == first.content
    assert "x-ratelimit-remaining" in again.headers  # the gate's, current
    assert count(database, provisioning_jobs) == 1
    assert count(database, accounts) == 1


def test_a_refusal_is_replayed_too_even_once_the_cause_is_gone(api: Caller) -> None:
    bad = api.post("/v2/accounts", {**HOSTING, "servicepack_id": 99}, headers=keyed("k"))
    assert bad.status_code == 400
    again = api.post("/v2/accounts", {**HOSTING, "servicepack_id": 99}, headers=keyed("k"))
    assert again.status_code == 400
    assert again.content == bad.content
    assert again.headers["idempotent-replayed"] == "true"


def test_the_same_key_with_another_request_is_refused(api: Caller, database: Database) -> None:
    assert api.post("/v2/accounts", HOSTING, headers=keyed("k1")).status_code == 202
    other = api.post("/v2/accounts", {**HOSTING, "identifier": "other.com"}, headers=keyed("k1"))
    assert other.status_code == 422
    assert other.json()["error_code"] == "idempotency_key_reused"
    elsewhere = api.post(
        "/v2/mysqldatabases", {"database_name": "shop", "account_id": 1}, headers=keyed("k1")
    )
    assert elsewhere.json()["error_code"] == "idempotency_key_reused"
    assert count(database, accounts) == 1


def test_keys_are_per_api_key(api: Caller, credentials: CredentialsService, database: Database) -> None:
    created = credentials.create_key("bob", ["127.0.0.1"])
    bob = Caller(api.client, created.api_key, created.api_secret)
    assert api.post("/v2/accounts", HOSTING, headers=keyed("shared")).status_code == 202
    theirs = bob.post("/v2/accounts", {**HOSTING, "identifier": "bob.com"}, headers=keyed("shared"))
    assert theirs.status_code == 202
    assert "idempotent-replayed" not in theirs.headers
    assert count(database, accounts) == 2


@pytest.mark.parametrize("value", ["", " ", "x" * 256, "a\tb", '"unterminated', '"a"b"'])
def test_a_malformed_key_is_a_validation_error(api: Caller, value: str, database: Database) -> None:
    response = api.post("/v2/accounts", HOSTING, headers=keyed(value))
    assert response.status_code == 400
    assert error_codes(response) == ["idempotency_key_invalid"]
    assert count(database, accounts) == 0


def test_a_quoted_key_is_the_same_key_as_bare(api: Caller) -> None:
    first = api.post("/v2/accounts", HOSTING, headers=keyed('"abc-123"'))
    again = api.post("/v2/accounts", HOSTING, headers=keyed("abc-123"))
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]


def test_reads_and_requests_without_a_key_store_nothing(api: Caller, database: Database) -> None:
    assert api.get("/v2/accounts", headers=keyed("read")).status_code == 200
    assert api.post("/v2/accounts", HOSTING).status_code == 202
    assert count(database, idempotency_keys) == 0


def test_a_key_expires_after_the_ttl(api: Caller) -> None:
    first = api.post("/v2/accounts", HOSTING, headers=keyed("old"))
    later = clock.time() + 86401
    clock.use(lambda: later)  # the installation's clock; the gate's (signatures) stays
    try:
        again = api.post("/v2/accounts", {**HOSTING, "identifier": "new.com"}, headers=keyed("old"))
    finally:
        clock.use(None)
    assert again.status_code == 202
    assert again.headers["location"] != first.headers["location"]


def _claim_left_by_a_crash(database: Database, api_key: str, key: str, lease_until: float) -> None:
    """What a process that died before its commit leaves: a "processing" claim, nothing else."""
    from reseller_api.conventions.idempotency import fingerprint
    from reseller_api.store.tables import api_keys

    body = json.dumps(HOSTING).encode()
    with database.transaction() as conn:
        key_id = conn.execute(select(api_keys.c.id).where(api_keys.c.key == api_key)).scalar_one()
        conn.execute(
            insert(idempotency_keys).values(
                api_key_id=key_id,
                idempotency_key=key,
                fingerprint=fingerprint("POST", b"/v2/accounts", body),
                status="processing",
                owner="dead",
                lease_until=lease_until,
                created_at=clock.time(),
                expires_at=clock.time() + 3600,
            )
        )


def test_a_claim_still_leased_answers_in_use(api: Caller, database: Database) -> None:
    _claim_left_by_a_crash(database, api.api_key, "running", clock.time() + 60)
    response = api.post("/v2/accounts", HOSTING, headers=keyed("running"))
    assert response.status_code == 409
    assert response.json()["error_code"] == "idempotency_key_in_use"
    assert response.headers["retry-after"] == "1"
    assert count(database, accounts) == 0


def test_a_claim_whose_holder_died_before_committing_is_run_again(api: Caller, database: Database) -> None:
    _claim_left_by_a_crash(database, api.api_key, "crashed", clock.time() - 1)
    response = api.post("/v2/accounts", HOSTING, headers=keyed("crashed"))
    assert response.status_code == 202
    assert count(database, accounts) == 1
    assert (
        api.post("/v2/accounts", HOSTING, headers=keyed("crashed")).headers["idempotent-replayed"] == "true"
    )


def test_a_crash_between_commit_and_response_still_replays(
    api: Caller, app: Any, test_client: TestClient[Any], database: Database
) -> None:
    """The answer is lost after the commit (the connection died): the repeat gets it."""
    from tests.harness import authorization_header

    body = json.dumps(HOSTING).encode()
    headers = [
        (
            b"authorization",
            authorization_header(api.api_key, api.api_secret, "POST", "/v2/accounts", body).encode(),
        ),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"idempotency-key", b"lost"),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v2/accounts",
        "raw_path": b"/v2/accounts",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver.local", 80),
        "state": {},
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        raise ConnectionResetError("the client is gone")

    with pytest.raises(ConnectionResetError):
        test_client.blocking_portal.call(app, scope, receive, send)
    assert count(database, accounts) == 1
    again = api.post("/v2/accounts", HOSTING, headers=keyed("lost"))
    assert again.status_code == 202
    assert again.headers["idempotent-replayed"] == "true"
    assert count(database, accounts) == 1


def _race(callers: list[Caller], key: str, n: int = 8) -> list[Any]:
    with ThreadPoolExecutor(n) as pool:
        futures = [
            pool.submit(callers[i % len(callers)].post, "/v2/accounts", HOSTING, headers=keyed(key))
            for i in range(n)
        ]
        return [f.result() for f in futures]


def test_concurrent_duplicates_create_once(api: Caller, database: Database) -> None:
    responses = _race([api], "race")
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {202, 409}, [r.text for r in responses]
    assert 202 in statuses
    assert len({r.headers["location"] for r in responses if r.status_code == 202}) == 1
    assert count(database, accounts) == 1
    assert count(database, provisioning_jobs) == 1


@pytest.fixture
def second_process(settings: Settings, database: Database, api: Caller) -> Iterator[Caller]:
    """A second server on the same database: its own caches, runner and event loop."""
    own = Database(database.url)
    other = create_app(settings, database=own, run_jobs=False)
    with TestClient(ClientAddress(other), base_url="http://testserver.local") as client:  # type: ignore[arg-type]
        yield Caller(AddressedClient(client, "127.0.0.1"), api.api_key, api.api_secret)
    other.dispose()
    own.dispose()


def test_concurrent_duplicates_across_processes_create_once(
    api: Caller, second_process: Caller, database: Database
) -> None:
    responses = _race([api, second_process], "twin")
    assert {r.status_code for r in responses} <= {202, 409}, [r.text for r in responses]
    assert count(database, accounts) == 1
    replay = second_process.post("/v2/accounts", HOSTING, headers=keyed("twin"))
    assert replay.headers["idempotent-replayed"] == "true"


def test_a_write_that_pushes_to_a_backend_commits_early_and_still_replays(api: Caller) -> None:
    """A DNS record is committed, then pushed (the push reads the committed zone): the
    claim is marked committed in that commit, and the answer stored after it."""
    accepted = api.post("/v2/domains/registrations", {"domain_name": "example.com", "name_servers": []})
    assert api.wait_job(accepted.headers["location"]).status_code == 201
    zone = "/v2/dns/example.com/records"
    record = {"type": "TXT", "record_name": "", "content": "v=spf1 -all", "ttl": 3600}
    first = api.post(zone, record, headers=keyed("txt"))
    assert first.status_code == 201, first.text
    again = api.post(zone, record, headers=keyed("txt"))
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    listed = api.get(f"{zone}?type=TXT").json()
    assert [r["content"] for r in listed].count("v=spf1 -all") == 1


def test_a_claim_that_committed_but_lost_its_answer_is_outcome_unknown(
    api: Caller, database: Database
) -> None:
    _claim_left_by_a_crash(database, api.api_key, "half", clock.time() - 1)
    with database.transaction() as conn:
        conn.execute(idempotency_keys.update().values(status="committed"))
    response = api.post("/v2/accounts", HOSTING, headers=keyed("half"))
    assert response.status_code == 409
    assert response.json()["error_code"] == "idempotency_key_outcome_unknown"
    assert count(database, accounts) == 0


def test_a_request_with_no_handler_is_answered_as_usual_whatever_its_key(api: Caller) -> None:
    assert api.post("/v2/accounts", HOSTING, headers=keyed("k")).status_code == 202
    assert api.post("/v2/servicepacks", HOSTING, headers=keyed("k")).status_code == 405
    assert api.post("/v2/nothing-here", HOSTING, headers=keyed("k")).status_code == 404
