"""The MariaDB backend against a real, private ``mariadbd`` (started and stopped by this module).

The server runs on 127.0.0.1 with a free port and a throw-away data directory; the API talks to
it as an account holding exactly the privileges docs/backends.md asks for (``ADMIN_GRANTS``),
never as root. Root is used only by the tests themselves, to look at the result.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pymysql
import pytest
from sqlalchemy import select

from reseller_api.backends import mariadb as statements
from reseller_api.backends.base import BackendRefused
from reseller_api.backends.mariadb import MariaDbBackend
from reseller_api.jobs import runner
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import provisioning_jobs
from tests.api.test_mailboxes import codes, make_account
from tests.harness import Caller
from tests.integration.realservers import free_port, require_binary

pytestmark = pytest.mark.integration

PASSWORD = "Database123x"
ADMIN_USER, ADMIN_PASSWORD = "reseller_api", "Adm1n-Secret-pw"
HOSTNAME = "db.hosting.test"
# The least privileges of the backend's own account (docs/backends.md says the same).
ADMIN_GRANTS = (
    f"CREATE USER '{ADMIN_USER}'@'127.0.0.1' IDENTIFIED BY '{ADMIN_PASSWORD}'",
    f"GRANT CREATE USER ON *.* TO '{ADMIN_USER}'@'127.0.0.1'",
    f"GRANT {statements.READ_WRITE_PRIVILEGES} ON `id%`.* TO '{ADMIN_USER}'@'127.0.0.1' WITH GRANT OPTION",
)
HOSTILE = [
    "`; DROP DATABASE canary; --",
    "x'; DROP USER root; --",
    "a%b",
    "a_b",
    'a"b',
    "a\\b",
    "a;b",
    "a--b",
]
DENIED = (1044, 1045, 1142, 4151)  # no access to the database / login / table; account locked


class PrivateMariaDb:
    """One ``mariadbd`` in a temporary directory; ``stop``/``start`` keep its data."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.data = base / "data"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.mariadbd = require_binary("mariadbd")
        install = require_binary("mariadb-install-db")
        as_user = ["--user=root"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [
                install,
                "--no-defaults",
                "--auth-root-authentication-method=normal",
                f"--datadir={self.data}",
                "--skip-test-db",
                "--skip-name-resolve",
                *as_user,
            ],
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
        self.as_user = as_user

    @property
    def admin_url(self) -> str:
        return f"mysql://{ADMIN_USER}:{quote(ADMIN_PASSWORD)}@127.0.0.1:{self.port}"

    def start(self) -> None:
        log = (self.base / "mariadbd.log").open("ab")
        self.process = subprocess.Popen(
            [
                self.mariadbd,
                "--no-defaults",
                f"--datadir={self.data}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                f"--socket={self.base / 'mariadbd.sock'}",
                f"--pid-file={self.base / 'mariadbd.pid'}",
                "--skip-name-resolve",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=16M",
                *self.as_user,
            ],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + 30
        while True:
            try:
                self.root().close()
                return
            except pymysql.err.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        "mariadbd did not start:\n" + (self.base / "mariadbd.log").read_text()
                    ) from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def root(self) -> pymysql.connections.Connection[Any]:
        return pymysql.connect(
            host="127.0.0.1", port=self.port, user="root", autocommit=True, connect_timeout=2
        )

    def as_root(self, sql: str, *params: str) -> list[tuple[Any, ...]]:
        connection = self.root()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params or None)
                return list(cursor.fetchall())
        finally:
            connection.close()

    def connect(
        self, user: str, password: str, database: str | None = None
    ) -> pymysql.connections.Connection[Any]:
        return pymysql.connect(
            host="127.0.0.1",
            port=self.port,
            user=user,
            password=password,
            database=database,
            autocommit=True,
            connect_timeout=2,
        )

    def databases(self) -> set[str]:
        return {str(r[0]) for r in self.as_root("SELECT schema_name FROM information_schema.schemata")}

    def users(self) -> set[str]:
        return {str(r[0]) for r in self.as_root("SELECT user FROM mysql.user WHERE host = '%'")}


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateMariaDb]:
    server = PrivateMariaDb(tmp_path_factory.mktemp("mariadb"))
    server.start()
    try:
        for grant in ADMIN_GRANTS:
            server.as_root(grant)
        server.as_root("CREATE DATABASE canary")
        yield server
    finally:
        server.stop()


@pytest.fixture
def settings(settings: Settings, mariadb: PrivateMariaDb) -> Settings:
    """The suite's settings, with the MySQL backend on the private server."""
    return dataclasses.replace(
        settings, mysql_backend="mariadb", mariadb_url=mariadb.admin_url, mysql_hostname=HOSTNAME
    )


@pytest.fixture
def backend(settings: Settings) -> MariaDbBackend:
    return MariaDbBackend(settings)


def create_database(api: Caller, account: int, name: str, password: str = PASSWORD) -> str:
    accepted = api.post(
        "/v2/mysqldatabases", {"database_name": name, "account_id": account, "password": password}
    )
    assert accepted.status_code == 202, accepted.text
    done = api.wait_job(accepted.headers["location"])
    assert done.status_code == 201, done.text
    return str(done.json()["resource_links"][0]).rsplit("/", 1)[1]


def create_user(api: Caller, database: str, name: str, password: str = PASSWORD) -> str:
    accepted = api.post(f"/v2/mysqldatabases/{database}/users", {"name": name, "password": password})
    assert accepted.status_code == 202, accepted.text
    assert api.wait_job(accepted.headers["location"]).status_code == 201
    return f"{database.split('_', 1)[0]}_{name}"


def denied(connect: Callable[[], pymysql.connections.Connection[Any]]) -> int:
    """The error code of a refused login."""
    with pytest.raises(pymysql.err.MySQLError) as refused:
        connect().close()
    code = int(refused.value.args[0])
    assert code in DENIED, refused.value
    return code


def run(connection: pymysql.connections.Connection[Any], sql: str) -> list[tuple[Any, ...]]:
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())
    finally:
        connection.close()


def test_database_and_users_through_the_api(
    api: Caller, mariadb: PrivateMariaDb, backend: MariaDbBackend
) -> None:
    account = make_account(api)
    name = create_database(api, account, "shop")
    assert name == f"id{account}_shop"
    owner = mariadb.connect(name, PASSWORD, name)
    run(owner, "CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(100))")
    run(mariadb.connect(name, PASSWORD, name), "INSERT INTO orders VALUES (1, 'book')")

    detail = api.get(f"/v2/mysqldatabases/{name}").json()
    assert detail["hostname"] == HOSTNAME
    assert detail["actual_size"] >= 1  # measured in information_schema, rounded up
    assert api.get("/v2/mysqldatabases").json() == [detail]

    reader = create_user(api, name, "reader")  # read_only, as the YAML says of created users
    assert {"name": reader, "rights": "read_only", "enabled": True} in api.get(
        f"/v2/mysqldatabases/{name}/users"
    ).json()
    assert run(mariadb.connect(reader, PASSWORD, name), "SELECT item FROM orders") == [("book",)]
    with pytest.raises(pymysql.err.OperationalError) as refused:
        run(mariadb.connect(reader, PASSWORD, name), "INSERT INTO orders VALUES (2, 'pen')")
    assert refused.value.args[0] == 1142  # command denied
    backend.grant(reader, name, "read_and_write")  # converges back: REVOKE, then GRANT
    run(mariadb.connect(reader, PASSWORD, name), "INSERT INTO orders VALUES (2, 'pen')")

    new_password = "Changed456y"
    changed = api.put(f"/v2/mysqldatabases/{name}/users/{reader}/password", {"password": new_password})
    assert changed.status_code == 204, changed.text
    assert denied(lambda: mariadb.connect(reader, PASSWORD, name)) == 1045
    run(mariadb.connect(reader, new_password, name), "SELECT 1")

    assert api.put(f"/v2/mysqldatabases/{name}/users/{reader}/status", {"enabled": False}).status_code == 204
    assert denied(lambda: mariadb.connect(reader, new_password, name)) == 4151  # account locked
    assert api.put(f"/v2/mysqldatabases/{name}/users/{reader}/status", {"enabled": True}).status_code == 204
    run(mariadb.connect(reader, new_password, name), "SELECT 1")

    assert api.delete(f"/v2/mysqldatabases/{name}/users/{reader}").status_code == 204
    assert reader not in mariadb.users()
    denied(lambda: mariadb.connect(reader, new_password))

    assert api.delete(f"/v2/mysqldatabases/{name}").status_code == 204
    assert name not in mariadb.databases()
    assert name not in mariadb.users()
    assert api.get(f"/v2/mysqldatabases/{name}").status_code == 404


def test_an_underscore_in_a_name_is_no_wildcard(api: Caller, mariadb: PrivateMariaDb) -> None:
    account = make_account(api)
    name = create_database(api, account, "a_b")
    lookalike = f"id{account}_aXb"  # what `id1_a_b`.* would match if "_" were left a wildcard
    mariadb.as_root(f"CREATE DATABASE `{lookalike}`")
    try:
        run(mariadb.connect(name, PASSWORD, name), "CREATE TABLE t (id INT)")
        denied(lambda: mariadb.connect(name, PASSWORD, lookalike))
        grants = mariadb.as_root("SELECT db FROM mysql.db WHERE user = %s", name)
        assert grants == [(name.replace("_", "\\_"),)]
    finally:
        mariadb.as_root(f"DROP DATABASE `{lookalike}`")
        api.delete(f"/v2/mysqldatabases/{name}")


def test_the_api_refuses_hostile_names(api: Caller, mariadb: PrivateMariaDb) -> None:
    account = make_account(api)
    name = create_database(api, account, "safe")
    before = (mariadb.databases(), mariadb.users())
    for hostile in HOSTILE:
        if hostile == "a_b":  # a valid database name; a user name must be letters and digits only
            refused = api.post(f"/v2/mysqldatabases/{name}/users", {"name": hostile, "password": PASSWORD})
            assert codes(refused) == ["mysql_user_name_invalid"]
            continue
        order = {"database_name": hostile, "account_id": account, "password": PASSWORD}
        assert codes(api.post("/v2/mysqldatabases", order)) == ["mysql_database_name_invalid"]
        refused = api.post(f"/v2/mysqldatabases/{name}/users", {"name": hostile, "password": PASSWORD})
        assert codes(refused) == ["mysql_user_name_invalid"]
        # Names in paths never reach the server: they are not ours, so 404.
        path = f"/v2/mysqldatabases/{quote(hostile, safe='')}"
        assert api.get(path).status_code == 404
        assert api.delete(path).status_code == 404
        user_path = f"/v2/mysqldatabases/{name}/users/{quote(hostile, safe='')}"
        assert api.put(f"{user_path}/password", {"password": "Other123x"}).status_code == 404
        assert api.put(f"{user_path}/status", {"enabled": False}).status_code == 404
        assert api.delete(user_path).status_code == 404
    assert (mariadb.databases(), mariadb.users()) == before
    assert "canary" in mariadb.databases()
    api.delete(f"/v2/mysqldatabases/{name}")


@pytest.mark.parametrize("hostile", [h for h in HOSTILE if h != "a_b"])
def test_the_backend_refuses_hostile_names_before_connecting(
    mariadb: PrivateMariaDb, backend: MariaDbBackend, hostile: str
) -> None:
    before = (mariadb.databases(), mariadb.users())
    native_hash = "*" + "A" * 40
    calls: list[Callable[[], object]] = [
        lambda: backend.create_database(hostile, 10),
        lambda: backend.drop_database(hostile),
        lambda: backend.create_user(hostile, native_hash),
        lambda: backend.set_user_password(hostile, native_hash),
        lambda: backend.grant(hostile, "id1_x", "read_only"),
        lambda: backend.grant("id1_x", hostile, "read_only"),
        lambda: backend.set_user_enabled(hostile, False),
        lambda: backend.drop_user(hostile),
        lambda: backend.database_sizes_mb([hostile]),
    ]
    for call in calls:
        with pytest.raises(BackendRefused):
            call()
    assert (mariadb.databases(), mariadb.users()) == before


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_names_stay_quoted_on_the_server(mariadb: PrivateMariaDb, hostile: str) -> None:
    """The statements themselves, run as root with names no check would let through."""
    name = "id9" + hostile
    connection = mariadb.root()
    try:
        with connection.cursor() as cursor:
            statements._execute(cursor, statements.create_database(name))
            statements._execute(cursor, statements.create_user(name, "*" + "A" * 40))
            statements._execute(cursor, statements.grant(name, name, "read_only"))
            statements._execute(cursor, statements.revoke(name, name))
            statements._execute(cursor, statements.grant(name, name, "read_and_write"))
            assert name in mariadb.databases()
            assert name in mariadb.users()
            pattern = name.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
            assert mariadb.as_root("SELECT db FROM mysql.db WHERE user = %s", name) == [(pattern,)]
            statements._execute(cursor, statements.database_sizes([name]))
            statements._execute(cursor, statements.drop_user(name))
            statements._execute(cursor, statements.drop_database(name))
    finally:
        connection.close()
    assert name not in mariadb.databases()
    assert name not in mariadb.users()
    assert {"canary", "mysql"} <= mariadb.databases()
    assert mariadb.as_root("SELECT COUNT(*) FROM mysql.user WHERE user = 'root'")[0][0] >= 1


def _job_row(database: Database, job_id: str) -> tuple[Any, ...]:
    with database.engine.connect() as conn:
        row = conn.execute(
            select(provisioning_jobs.c.status, provisioning_jobs.c.attempts, provisioning_jobs.c.error).where(
                provisioning_jobs.c.id == job_id
            )
        ).one()
    return tuple(row)


def test_a_refusal_fails_the_job_cleanly_and_a_rerun_converges(
    api: Caller, mariadb: PrivateMariaDb, database: Database
) -> None:
    account = make_account(api)
    name = f"id{account}_half"
    # Our account loses the right to grant: the database and user get made, the GRANT is refused.
    mariadb.as_root(f"REVOKE GRANT OPTION ON `id%`.* FROM '{ADMIN_USER}'@'127.0.0.1'")
    try:
        order = {"database_name": "half", "account_id": account, "password": PASSWORD}
        accepted = api.post("/v2/mysqldatabases", order)
        assert accepted.status_code == 202
        done = api.wait_job(accepted.headers["location"])
        assert done.json()["status"] == "failed"
        status, _, error = _job_row(database, accepted.headers["location"].rsplit("/", 1)[1])
        assert status == "failed"
        assert (
            error
            == "MariaDB refused to grant the rights: reseller-api's MariaDB account lacks a privilege (1044)"
        )
        assert name not in mariadb.databases()  # unprovisioned: nothing half-made is left
        assert name not in mariadb.users()
        assert api.get(f"/v2/mysqldatabases/{name}").status_code == 404
    finally:
        mariadb.as_root(ADMIN_GRANTS[2])
    assert create_database(api, account, "half") == name
    run(mariadb.connect(name, PASSWORD, name), "CREATE TABLE t (id INT)")
    api.delete(f"/v2/mysqldatabases/{name}")


def test_a_server_killed_mid_job_is_retried_until_the_job_converges(
    api: Caller, mariadb: PrivateMariaDb, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "retry_delay", lambda attempts: 0.2)
    monkeypatch.setattr(runner, "MAX_ATTEMPTS", 1000)
    account = make_account(api)
    first = create_database(api, account, "first")

    original = MariaDbBackend.create_user
    killed: list[bool] = []

    def killing_create_user(self: MariaDbBackend, user: str, password_hash: str) -> None:
        if not killed:  # the database exists by now: the server dies between two statements
            killed.append(True)
            mariadb.stop()
        original(self, user, password_hash)

    monkeypatch.setattr(MariaDbBackend, "create_user", killing_create_user)
    name = f"id{account}_resilient"
    try:
        order = {"database_name": "resilient", "account_id": account, "password": PASSWORD}
        accepted = api.post("/v2/mysqldatabases", order)
        assert accepted.status_code == 202
        job_id = accepted.headers["location"].rsplit("/", 1)[1]
        deadline = time.monotonic() + 20
        while _job_row(database, job_id)[1] < 3:  # retried (BackendUnavailable) while the server is down
            assert time.monotonic() < deadline, _job_row(database, job_id)
            time.sleep(0.05)
        assert api.get(accepted.headers["location"]).json()["status"] == "ongoing"
        # Requests meanwhile: a listing shows the recorded size; a change answers 503.
        listing = api.get("/v2/mysqldatabases")
        assert listing.status_code == 200
        assert [d["name"] for d in listing.json()] == [first]
        password = api.put(f"/v2/mysqldatabases/{first}/users/{first}/password", {"password": "Other123x"})
        assert password.status_code == 503
        assert password.json()["error_code"] == "backend_unavailable"
        assert ADMIN_PASSWORD not in password.text
    finally:
        if mariadb.process is None:
            mariadb.start()
    done = api.wait_job(accepted.headers["location"], timeout=20)
    assert done.status_code == 201, done.text
    status, attempts, error = _job_row(database, job_id)
    assert (status, error) == ("finished", None)
    assert attempts >= 3
    assert run(mariadb.connect(name, PASSWORD, name), "SELECT DATABASE()") == [(name,)]
    assert mariadb.as_root("SELECT COUNT(*) FROM mysql.user WHERE user = %s", name) == [(1,)]
    for created in (name, first):
        assert api.delete(f"/v2/mysqldatabases/{created}").status_code == 204


def test_a_user_dropped_behind_our_back_is_reported(api: Caller, mariadb: PrivateMariaDb) -> None:
    account = make_account(api)
    name = create_database(api, account, "drift")
    mariadb.as_root("DROP USER %s@'%%'", name)
    disabled = api.put(f"/v2/mysqldatabases/{name}/users/{name}/status", {"enabled": False})
    assert disabled.status_code == 400
    [problem] = disabled.json()["validation_errors"]
    assert problem["error_code"] == "backend_refused"
    assert "the user does not exist on the MariaDB server" in problem["error_text"]
    assert api.get(f"/v2/mysqldatabases/{name}/users").json()[0]["enabled"] is True  # record unchanged
    assert api.delete(f"/v2/mysqldatabases/{name}").status_code == 204  # DROP USER IF EXISTS: converges
    assert name not in mariadb.databases()


def test_a_unix_socket_url_works(mariadb: PrivateMariaDb, settings: Settings) -> None:
    socket = mariadb.base / "mariadbd.sock"
    mariadb.as_root("CREATE TABLE IF NOT EXISTS canary.t (id INT)")
    backend = MariaDbBackend(
        dataclasses.replace(settings, mariadb_url=f"mysql://root@localhost?unix_socket={socket}")
    )
    sizes = backend.database_sizes_mb(["canary", "absent"])
    assert set(sizes) == {"canary"}
    assert 0 < sizes["canary"] < 1
