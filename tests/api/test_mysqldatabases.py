"""``/v2/mysqldatabases``: jobs, prefixed names, the pack's count, users, rights and passwords."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest
from sqlalchemy import select

from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.backends.simulated.mysqldatabases import SimulatedMySqlDatabases
from reseller_api.resources.mysqldatabases.passwords import native_password_hash
from reseller_api.store.database import Database
from reseller_api.store.tables import provisioning_jobs, simulated_objects
from tests.api.test_mailboxes import codes, make_account
from tests.harness import Caller

PASSWORD = "Database123x"


@pytest.fixture
def account(api: Caller) -> int:
    return make_account(api)


def order(api: Caller, account_id: int, name: str = "shop", password: str = PASSWORD) -> httpx.Response:
    return api.post(
        "/v2/mysqldatabases", {"database_name": name, "account_id": account_id, "password": password}
    )


def create(api: Caller, account_id: int, name: str = "shop") -> str:
    accepted = order(api, account_id, name)
    assert accepted.status_code == 202, accepted.text
    done = api.wait_job(accepted.headers["location"])
    assert done.status_code == 201, done.text
    link = str(done.json()["resource_links"][0])
    assert done.headers["location"] == link
    return link


def world(database: Database, kind: str, name: str) -> dict[str, object] | None:
    with database.engine.connect() as conn:
        data = conn.execute(
            select(simulated_objects.c.data).where(
                simulated_objects.c.kind == kind, simulated_objects.c.name == name
            )
        ).scalar()
    return None if data is None else dict(json.loads(data))


def test_native_hash_is_mariadbs() -> None:
    # SELECT PASSWORD('password') on MariaDB
    assert native_password_hash("password") == "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"
    inner = hashlib.sha1(b"x").digest()  # noqa: S324 - the format under test
    assert native_password_hash("x") == "*" + hashlib.sha1(inner).hexdigest().upper()  # noqa: S324


def test_create_is_a_job_then_readable(api: Caller, account: int, database: Database) -> None:
    accepted = order(api, account)
    assert accepted.status_code == 202
    assert accepted.content == b""
    assert accepted.headers["location"].startswith("/v2/provisioningjobs/")
    assert api.get("/v2/mysqldatabases").json() == []  # invisible until provisioned
    done = api.wait_job(accepted.headers["location"])
    assert done.status_code == 201
    name = f"id{account}_shop"
    assert done.json()["resource_links"] == [f"/v2/mysqldatabases/{name}"]
    detail = api.get(f"/v2/mysqldatabases/{name}")
    assert detail.status_code == 200
    assert detail.json() == {
        "name": name,
        "hostname": "mysql.reseller-api.test",
        "user_count": 1,
        "max_size": 1024,
        "actual_size": 0,
        "account_id": account,
    }
    listing = api.get("/v2/mysqldatabases")
    assert listing.json() == [detail.json()]
    assert listing.headers["x-paging-totalresults"] == "1"
    users = api.get(f"/v2/mysqldatabases/{name}/users")
    assert users.json() == [{"name": name, "rights": "read_and_write", "enabled": True}]
    assert world(database, "mysql_database", name) == {"max_size_mb": 1024}
    assert world(database, "mysql_user", name) == {
        "password_hash": native_password_hash(PASSWORD),
        "enabled": True,
        "grants": {name: "ALL"},
    }
    with database.engine.connect() as conn:
        payloads = conn.execute(select(provisioning_jobs.c.payload)).scalars().all()
    assert all("password_hash" not in p for p in payloads)  # dropped when the job ended


def test_pack_count_is_enforced_at_its_boundary(api: Caller, account: int) -> None:
    create(api, account, "one")
    accepted = order(api, account, "two")  # Starter: 2 databases; pending ones count
    assert accepted.status_code == 202
    over = order(api, account, "three")
    assert codes(over) == ["mysql_quota_exceeded"]
    assert set(over.json()) == {"error_code", "error_text"}  # top level: the world's state, not the input
    api.wait_job(accepted.headers["location"])
    assert codes(order(api, account, "three")) == ["mysql_quota_exceeded"]
    assert api.delete(f"/v2/mysqldatabases/id{account}_one").status_code == 204
    create(api, account, "three")
    assert api.get("/v2/mysqldatabases").headers["x-paging-totalresults"] == "2"


def test_pack_without_mysql(api: Caller) -> None:
    account = make_account(api, "mailonly.be", servicepack_id=3)
    assert codes(order(api, account)) == ["mysql_not_in_servicepack"]


def test_name_length_boundary(api: Caller, account: int) -> None:
    room = 32 - len(f"id{account}_")
    assert codes(order(api, account, "a" * (room + 1))) == ["mysql_database_name_too_long"]
    link = create(api, account, "a" * room)
    assert len(link.rsplit("/", 1)[1]) == 32


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"account_id": 1, "password": PASSWORD}, ["mysql_database_name_required"]),
        ({"database_name": "Shop", "account_id": 1, "password": PASSWORD}, ["mysql_database_name_invalid"]),
        (
            {"database_name": "my shop", "account_id": 1, "password": PASSWORD},
            ["mysql_database_name_invalid"],
        ),
        ({"database_name": "_x", "account_id": 1, "password": PASSWORD}, ["mysql_database_name_invalid"]),
        ({"database_name": "shop", "password": PASSWORD}, ["mysql_account_id_required"]),
        ({"database_name": "shop", "account_id": 999, "password": PASSWORD}, ["mysql_account_not_found"]),
        ({"database_name": "shop", "account_id": 1}, ["mysql_password_required"]),
        ({"database_name": "shop", "account_id": 1, "password": "abc"}, ["password_invalid"]),
        ({"database_name": "shop", "account_id": 1, "password": "Secret12{x"}, ["password_invalid"]),
    ],
)
def test_create_refuses_bad_orders(
    api: Caller, account: int, body: dict[str, object], expected: list[str]
) -> None:
    assert account == 1
    response = api.post("/v2/mysqldatabases", body)
    assert response.status_code == 400
    assert codes(response) == expected


def test_duplicate_name(api: Caller, account: int) -> None:
    create(api, account)
    assert codes(order(api, account)) == ["mysql_database_exists"]


def test_users(api: Caller, account: int, database: Database) -> None:
    name = create(api, account).rsplit("/", 1)[1]
    base = f"/v2/mysqldatabases/{name}/users"
    accepted = api.post(base, {"name": "reader", "password": "Reader123x"})
    assert accepted.status_code == 202, accepted.text
    done = api.wait_job(accepted.headers["location"])
    assert done.status_code == 201
    assert done.json()["resource_links"] == [base]
    user = f"id{account}_reader"
    assert api.get(base).json() == [  # by name
        {"name": user, "rights": "read_only", "enabled": True},  # as the YAML says
        {"name": name, "rights": "read_and_write", "enabled": True},
    ]
    assert api.get(f"/v2/mysqldatabases/{name}").json()["user_count"] == 2
    assert api.put(f"{base}/{user}/status", {"enabled": False}).status_code == 204
    assert api.get(base).json()[0]["enabled"] is False
    assert world(database, "mysql_user", user)["enabled"] is False  # type: ignore[index]
    assert codes(api.put(f"{base}/{user}/status", {})) == ["mysql_user_enabled_required"]
    assert api.put(f"{base}/{user}/password", {"password": "Other456y"}).status_code == 204
    assert world(database, "mysql_user", user)["password_hash"] == native_password_hash("Other456y")  # type: ignore[index]
    assert codes(api.put(f"{base}/{user}/password", {"password": "weak"})) == ["password_invalid"]
    assert codes(api.put(f"{base}/{user}/password", {})) == ["mysql_password_required"]
    assert codes(api.post(base, {"name": "reader", "password": "Reader123x"})) == ["mysql_user_exists"]
    assert codes(api.delete(f"{base}/{name}")) == ["mysql_user_is_owner"]
    assert api.delete(f"{base}/{user}").status_code == 204
    assert api.delete(f"{base}/{user}").status_code == 404
    assert world(database, "mysql_user", user) is None
    assert api.put(f"{base}/{user}/status", {"enabled": True}).status_code == 404


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"password": "Reader123x"}, ["mysql_user_name_required"]),
        ({"name": "a", "password": "Reader123x"}, ["mysql_user_name_invalid"]),
        ({"name": "a" * 15, "password": "Reader123x"}, ["mysql_user_name_invalid"]),
        ({"name": "Reader", "password": "Reader123x"}, ["mysql_user_name_invalid"]),
        ({"name": "re der", "password": "Reader123x"}, ["mysql_user_name_invalid"]),
        ({"name": "re_der", "password": "Reader123x"}, ["mysql_user_name_invalid"]),
        ({"name": "reader"}, ["mysql_password_required"]),
        ({"name": "reader", "password": "x"}, ["password_invalid"]),
    ],
)
def test_user_rules(api: Caller, account: int, body: dict[str, object], expected: list[str]) -> None:
    name = create(api, account).rsplit("/", 1)[1]
    response = api.post(f"/v2/mysqldatabases/{name}/users", body)
    assert response.status_code == 400
    assert codes(response) == expected


def test_user_name_boundaries(api: Caller, account: int) -> None:
    name = create(api, account).rsplit("/", 1)[1]
    for user in ("ab", "a" * 14):
        accepted = api.post(f"/v2/mysqldatabases/{name}/users", {"name": user, "password": "Reader123x"})
        assert accepted.status_code == 202
        assert api.wait_job(accepted.headers["location"]).status_code == 201


def test_delete_drops_database_and_users(api: Caller, account: int, database: Database) -> None:
    name = create(api, account).rsplit("/", 1)[1]
    accepted = api.post(f"/v2/mysqldatabases/{name}/users", {"name": "reader", "password": "Reader123x"})
    assert codes(api.delete(f"/v2/mysqldatabases/{name}")) == ["mysql_database_busy"]
    api.wait_job(accepted.headers["location"])
    assert api.delete(f"/v2/mysqldatabases/{name}").status_code == 204
    assert api.get(f"/v2/mysqldatabases/{name}").status_code == 404
    assert api.delete(f"/v2/mysqldatabases/{name}").status_code == 404
    assert world(database, "mysql_database", name) is None
    assert world(database, "mysql_user", name) is None
    assert world(database, "mysql_user", f"id{account}_reader") is None


def test_other_resellers_get_404(api: Caller, other_api: Caller, account: int) -> None:
    name = create(api, account).rsplit("/", 1)[1]
    base = f"/v2/mysqldatabases/{name}"
    assert other_api.get("/v2/mysqldatabases").json() == []
    calls = [
        other_api.get(base),
        other_api.delete(base),
        other_api.get(f"{base}/users"),
        other_api.post(f"{base}/users", {"name": "evil", "password": "Reader123x"}),
        other_api.put(f"{base}/users/{name}/status", {"enabled": False}),
        other_api.put(f"{base}/users/{name}/password", {"password": "Reader123x"}),
        other_api.delete(f"{base}/users/{name}"),
    ]
    assert [c.status_code for c in calls] == [404] * len(calls)
    assert codes(order(other_api, account, "mine")) == ["mysql_account_not_found"]
    assert api.get(base).json()["user_count"] == 1


def test_paging(api: Caller) -> None:
    account = make_account(api, "pro.be", servicepack_id=2)
    for n in range(3):
        create(api, account, f"db{n}")
    page = api.get("/v2/mysqldatabases?skip=1&take=1")
    assert [d["name"] for d in page.json()] == [f"id{account}_db1"]
    assert page.headers["x-paging-skipped"] == "1"
    assert page.headers["x-paging-take"] == "1"
    assert page.headers["x-paging-totalresults"] == "3"


def reader(api: Caller, account: int) -> tuple[str, str]:
    """A new database's users' path and its user ``reader``, made."""
    name = create(api, account).rsplit("/", 1)[1]
    base = f"/v2/mysqldatabases/{name}/users"
    api.wait_job(api.post(base, {"name": "reader", "password": "Reader123x"}).headers["location"])
    return base, f"id{account}_reader"


def test_a_user_change_the_server_refuses_changes_nothing(
    api: Caller, account: int, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, user = reader(api, account)

    def refuse(*args: object) -> None:
        raise BackendRefused("the server said no")

    def away(*args: object) -> None:
        raise BackendUnavailable("connection refused")

    users_before, world_before = api.get(base).json(), world(database, "mysql_user", user)
    monkeypatch.setattr(SimulatedMySqlDatabases, "set_user_enabled", refuse)
    monkeypatch.setattr(SimulatedMySqlDatabases, "drop_user", refuse)
    refused = [api.put(f"{base}/{user}/status", {"enabled": False}), api.delete(f"{base}/{user}")]
    assert [codes(r) for r in refused] == [["backend_refused"]] * 2
    monkeypatch.setattr(SimulatedMySqlDatabases, "set_user_enabled", away)
    monkeypatch.setattr(SimulatedMySqlDatabases, "drop_user", away)
    unreachable = [api.put(f"{base}/{user}/status", {"enabled": False}), api.delete(f"{base}/{user}")]
    assert [r.status_code for r in unreachable] == [503] * 2
    monkeypatch.undo()
    assert api.get(base).json() == users_before
    assert world(database, "mysql_user", user) == world_before
    assert api.delete(f"{base}/{user}").status_code == 204  # and it can still go


def test_a_user_status_we_cannot_record_puts_the_server_back(
    api: Caller, account: int, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server first, then our row: when recording fails (the database away), the server's
    # user gets its previous state back, and the request changed nothing.
    from reseller_api.resources.mysqldatabases import users
    from reseller_api.store.driver import DatabaseUnavailable

    base, user = reader(api, account)
    users_before, world_before = api.get(base).json(), world(database, "mysql_user", user)

    def away(*args: object) -> None:
        raise DatabaseUnavailable("the database went away")

    monkeypatch.setattr(users, "_record_enabled", away)
    assert api.put(f"{base}/{user}/status", {"enabled": False}).status_code == 503
    monkeypatch.undo()
    assert world(database, "mysql_user", user) == world_before
    assert api.get(base).json() == users_before
    assert api.put(f"{base}/{user}/status", {"enabled": False}).status_code == 204
    assert world(database, "mysql_user", user) != world_before
