"""No clear password anywhere: not in any table, not in the logs, not in any response.

An account (FTP password), a mailbox, a database and a second database user are created
with distinctive passwords, then every password is changed; afterwards every text column
of every table, everything logged at DEBUG and every response body is searched for them.
"""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import column, inspect, select, table

from reseller_api.store.database import Database
from tests.harness import Caller

PASSWORDS = {
    "ftp": "FtpZq7x9Kp",
    "mailbox": "MbxWv3r8Tn",
    "mailbox_new": "MbxNew5y2Q",
    "database": "DbaXk4m6Lw",
    "user": "UsrJ8p2Hq",
    "user_new": "UsrNew9z3R",
    "owner_new": "OwnNew7c1V",
}


def test_no_password_in_store_logs_or_responses(
    api: Caller, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    responses: list[httpx.Response] = []

    def call(method: str, target: str, body: object = None) -> httpx.Response:
        response = api.request(method, target, body)
        responses.append(response)
        return response

    def wait(location: str) -> httpx.Response:
        done = api.wait_job(location)
        responses.append(done)
        assert done.status_code == 201, done.text
        return done

    account = call(
        "POST",
        "/v2/accounts",
        {"identifier": "secret.be", "servicepack_id": 1, "ftp_password": PASSWORDS["ftp"]},
    )
    account_id = int(wait(account.headers["location"]).json()["resource_links"][0].rsplit("/", 1)[1])
    created = call(
        "POST",
        "/v2/mailboxes",
        {"email_address": "box@secret.be", "account_id": account_id, "password": PASSWORDS["mailbox"]},
    )
    assert created.status_code == 201, created.text
    assert (
        call(
            "PUT", "/v2/mailboxes/box@secret.be/password", {"password": PASSWORDS["mailbox_new"]}
        ).status_code
        == 204
    )
    db = call(
        "POST",
        "/v2/mysqldatabases",
        {"database_name": "vault", "account_id": account_id, "password": PASSWORDS["database"]},
    )
    name = wait(db.headers["location"]).json()["resource_links"][0].rsplit("/", 1)[1]
    user = call("POST", f"/v2/mysqldatabases/{name}/users", {"name": "extra", "password": PASSWORDS["user"]})
    wait(user.headers["location"])
    users = f"/v2/mysqldatabases/{name}/users"
    assert (
        call("PUT", f"{users}/id{account_id}_extra/password", {"password": PASSWORDS["user_new"]}).status_code
        == 204
    )
    assert call("PUT", f"{users}/{name}/password", {"password": PASSWORDS["owner_new"]}).status_code == 204
    # Refused orders must not echo the password back either.
    refused = call(
        "POST",
        "/v2/mailboxes",
        {"email_address": "x@secret.be", "account_id": account_id, "password": "Bad pass 1"},
    )
    assert refused.status_code == 400
    for target in (
        "/v2/mailboxes?domain_name=secret.be",
        "/v2/mailboxes/box@secret.be",
        f"/v2/mysqldatabases/{name}",
        users,
    ):
        assert call("GET", target).status_code == 200

    secrets = [*PASSWORDS.values(), "Bad pass 1"]
    stored = _every_text_value(database)
    assert any(v.startswith("$argon2id$") for v in stored), "the scan missed the hash columns"
    for secret in secrets:
        assert not [v for v in stored if secret in v], f"{secret} stored in clear"
        assert secret not in caplog.text, f"{secret} logged"
        for response in responses:
            assert secret not in response.text, f"{secret} in a response to {response.request.url}"


def _every_text_value(database: Database) -> list[str]:
    """Every non-null value of every column of every table, as text (whatever the column's type)."""
    values: list[str] = []
    with database.engine.connect() as conn:
        inspector = inspect(conn)  # on the same connection: SQLite's write lock is not re-entrant
        for name in inspector.get_table_names():
            columns = [c["name"] for c in inspector.get_columns(name)]
            rows = conn.execute(select(*[column(c) for c in columns]).select_from(table(name))).all()
            values += [str(v) for row in rows for v in row if v is not None]
    return values
