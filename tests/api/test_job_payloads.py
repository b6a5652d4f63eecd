"""Typed job payloads, end to end: rows written before payloads were typed still run; a row
whose kind is unknown, or whose payload does not decode, fails its job with a reason and one
log line that names what did not decode, never a value."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest
from sqlalchemy import insert, select

from reseller_api import clock
from reseller_api.jobs import service as jobs
from reseller_api.resources.provisioningjobs.routes import ERROR_HEADER
from reseller_api.store.database import Database
from reseller_api.store.tables import accounts, api_keys, provisioning_jobs
from tests.harness import Caller

HASH = "$argon2id$v=19$m=8,t=1,p=1$c2VjcmV0LXNhbHQ$not-a-real-hash-but-a-secret"
IDENTIFIER = "oldrow.com"


def reseller_of(database: Database, api: Caller) -> int:
    with database.engine.connect() as conn:
        found = conn.execute(select(api_keys.c.reseller_id).where(api_keys.c.key == api.api_key))
        return int(found.scalar_one())


def store_job(database: Database, reseller_id: int, kind: str, payload: dict[str, Any] | str) -> str:
    """A job row as the version before typed payloads wrote it: ``json.dumps`` of a dict."""
    job_id, now = str(uuid.uuid4()), clock.time()
    with database.transaction() as conn:
        conn.execute(
            insert(provisioning_jobs).values(
                id=job_id,
                reseller_id=reseller_id,
                kind=kind,
                payload=payload if isinstance(payload, str) else json.dumps(payload),
                status=jobs.ONGOING,
                subject=None,
                created_at=now,
                not_before=now,
                estimate=now + 1,
                attempts=0,
            )
        )
        # With procrastinate carrying the jobs, enqueue also defers each one: do as it does.
        deferrer = jobs._DEFERRERS.get(conn.engine)
        if deferrer is not None:
            deferrer(conn, job_id, None, now)
    return job_id


def provisioning_account(database: Database, reseller_id: int) -> int:
    """The account row the order inserts before its job runs."""
    with database.transaction() as conn:
        return int(
            conn.execute(
                insert(accounts)
                .values(
                    reseller_id=reseller_id,
                    identifier=IDENTIFIER,
                    servicepack_id=1,
                    status="provisioning",
                    created_at=clock.time(),
                )
                .returning(accounts.c.id)
            ).scalar_one()
        )


def todays_account_payload(account_id: int) -> dict[str, Any]:
    """Exactly what resources/accounts/service.py stored before payloads were typed."""
    return {
        "account_id": account_id,
        "identifier": IDENTIFIER,
        "assets": ["dns", "linux_hosting", "mailbox"],
        "ftp_username": IDENTIFIER,
        "ftp_password_hash": HASH,
        "existing_zone": False,
        "domain_id": None,
        "name_servers": ["ns1.example.net", "ns2.example.net"],
        "soa_serial": 2026120601,
    }


def test_the_keys_an_order_stores_are_the_keys_older_versions_stored(api: Caller, database: Database) -> None:
    api.post("/v2/accounts", {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x"})
    with database.engine.connect() as conn:
        pending = json.loads(conn.execute(select(provisioning_jobs.c.payload)).scalar_one())
    assert list(pending) == list(todays_account_payload(0))


@pytest.mark.parametrize(
    "missing",
    [
        pytest.param((), id="as-stored-today"),
        # Jobs queued before the order fixed the zone's apex (and adopted existing zones).
        pytest.param(("existing_zone", "domain_id", "name_servers", "soa_serial"), id="older-keys-absent"),
    ],
)
def test_a_row_stored_before_payloads_were_typed_still_runs(
    api: Caller, database: Database, missing: tuple[str, ...]
) -> None:
    reseller_id = reseller_of(database, api)
    account_id = provisioning_account(database, reseller_id)
    payload = {k: v for k, v in todays_account_payload(account_id).items() if k not in missing}
    job_id = store_job(database, reseller_id, "account.create", payload)

    done = api.wait_job(f"/v2/provisioningjobs/{job_id}")
    assert done.status_code == 201, done.headers.get(ERROR_HEADER)
    assert done.json()["resource_links"] == [f"/v2/accounts/{account_id}"]
    assert api.get(f"/v2/accounts/{account_id}").status_code == 200
    assert api.get(f"/v2/linuxhostings/{IDENTIFIER}").status_code == 200
    assert api.get(f"/v2/dns/{IDENTIFIER}/records").status_code == 200


def failed(api: Caller, job_id: str) -> str:
    """The failed job's reason, as the API shows it."""
    job = api.wait_job(f"/v2/provisioningjobs/{job_id}")
    assert job.status_code == 200
    assert job.json()["status"] == "failed"
    return job.headers[ERROR_HEADER]


def ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Our records (a client's request log names the job too, when its logger is on)."""
    return [r for r in caplog.records if r.name.startswith("reseller_api")]


def lines_about(caplog: pytest.LogCaptureFixture, job_id: str) -> list[str]:
    return [r.getMessage() for r in ours(caplog) if job_id in r.getMessage()]


@pytest.mark.parametrize(
    ("payload", "what"),
    [
        pytest.param({"user": "db1_user"}, "user_id", id="a-field-missing"),
        pytest.param(
            {"user_id": 7, "user": "db1_x", "database": "db1", "rights": "read_only", "password_hash": 12},
            "password_hash",
            id="a-field-of-another-type",
        ),
        pytest.param(f'{{"password_hash": "{HASH}", ', "truncated", id="cut-short"),
        pytest.param(f"password_hash={HASH}", "malformed", id="not-json"),
    ],
)
def test_a_payload_that_does_not_decode_fails_the_job_with_one_log_line(
    api: Caller,
    database: Database,
    caplog: pytest.LogCaptureFixture,
    payload: dict[str, Any] | str,
    what: str,
) -> None:
    with caplog.at_level(logging.INFO, logger="reseller_api"):
        job_id = store_job(database, reseller_of(database, api), "mysql.create_user", payload)
        reason = failed(api, job_id)
    assert "CreateUserJob" in reason
    assert what in reason
    [line] = lines_about(caplog, job_id)
    assert "mysql.create_user" in line
    assert what in line
    assert HASH not in caplog.text
    assert HASH not in reason
    assert not any(r.exc_info for r in ours(caplog))  # one line: no traceback either
    with database.engine.connect() as conn:
        assert conn.execute(select(provisioning_jobs.c.payload)).scalar_one() == "{}"


def test_a_job_of_an_unknown_kind_fails_with_one_log_line(
    api: Caller, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="reseller_api"):
        job_id = store_job(database, reseller_of(database, api), "nothing.known", {"password_hash": HASH})
        reason = failed(api, job_id)
    assert reason == "no handler for job kind 'nothing.known'"
    [line] = lines_about(caplog, job_id)
    assert "nothing.known" in line
    assert HASH not in caplog.text
    assert not any(r.exc_info for r in ours(caplog))
