"""The sandbox for integrators (issue 20), in-process: /sandbox over HTTP, the CLI on the same
database, the test clock, job modes, request and job faults, fixtures."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from litestar.testing import TestClient

from reseller_api import clock
from reseller_api.app import create_app
from reseller_api.cli.main import main
from reseller_api.crypto import SecretBox
from reseller_api.sandbox import faults
from reseller_api.sandbox.fixtures import Fixtures
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from tests.conftest import TEST_SECRET_KEY
from tests.harness import AddressedClient, Caller, ClientAddress, DatabaseFactory

TOKEN = "sandbox-operator-token-for-tests"
FIXTURE = Path(__file__).resolve().parents[1] / "data" / "sandbox.yaml"
ACME = ("acme-sandbox-key-0001", "acme-sandbox-secret-not-for-production")
GLOBEX = ("globex-sandbox-key-0001", "globex-sandbox-secret-not-for-production")
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def sandbox_settings(settings: Settings) -> Settings:
    if settings.job_runner != "embedded":
        pytest.skip("the sandbox runs with the embedded runner only (refused with procrastinate)")
    return dataclasses.replace(settings, sandbox=True, sandbox_token=TOKEN)


@pytest.fixture
def server(sandbox_settings: Settings, database: Database) -> Iterator[TestClient[Any]]:
    app = create_app(sandbox_settings, database=database, run_jobs=True)
    with TestClient(ClientAddress(app), base_url="http://testserver.local") as client:  # type: ignore[arg-type]
        yield client
    app.dispose()


class Sandbox:
    """/sandbox/... with the operator token; the fixture's resellers as signed callers."""

    def __init__(self, client: TestClient[Any]) -> None:
        self.client = client
        self.acme = Caller(AddressedClient(client, "127.0.0.1"), *ACME)
        self.globex = Caller(AddressedClient(client, "127.0.0.1"), *GLOBEX)

    def call(self, method: str, path: str, body: Any = None, *, ok: int = 200) -> Any:
        content = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
        response = self.client.request(method, "/sandbox" + path, content=content, headers=BEARER)
        assert response.status_code == ok, response.text
        return (
            response.json()
            if response.headers["content-type"].startswith("application/json")
            else response.text
        )

    def now(self) -> float:
        return float(self.call("GET", "/clock")["unix"])


@pytest.fixture
def sandbox(server: TestClient[Any]) -> Sandbox:
    box = Sandbox(server)
    box.call("POST", "/fixtures", FIXTURE.read_bytes())
    return box


def cli(monkeypatch: pytest.MonkeyPatch, settings: Settings, *args: str) -> int:
    """``reseller-api ARGS`` in-process, on the test's database."""
    monkeypatch.setenv("RESELLER_API_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RESELLER_API_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("RESELLER_API_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("RESELLER_API_SANDBOX", "true" if settings.sandbox else "false")
    # A command swaps the process-wide clock for one that reads its own database, and disposes
    # that database as it returns. Run in-process beside the test's server, the server's threads
    # would read the time through it meanwhile (a PostgreSQL connection left checked out, then
    # garbage-collected: a ResourceWarning in CI). The server's own sandbox clock reads the same
    # database, so the command keeps it, as it would have in a process of its own.
    with monkeypatch.context() as patch:
        patch.setattr(clock, "use", lambda source: None)
        return main(list(args))


def eventually(check: Any, timeout: float = 10.0) -> Any:
    """Poll until ``check()`` is truthy (another process's change is seen within 0.1 s)."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
    return result


# -- off by default, refused with real servers ---------------------------------------------


def test_off_by_default_sandbox_is_404_and_the_cli_refuses(
    test_client: TestClient[Any], settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    response = test_client.get("/sandbox/state", headers=BEARER)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert cli(monkeypatch, settings, "sandbox", "clock", "show") == 2
    assert "the sandbox is off" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (
            {"DNS_BACKEND": "powerdns", "POWERDNS_URL": "http://127.0.0.1:1", "POWERDNS_API_KEY": "k"},
            "RESELLER_API_DNS_BACKEND=powerdns",
        ),
        ({"MYSQL_BACKEND": "mariadb", "MARIADB_URL": "mysql://u@127.0.0.1/"}, "MYSQL_BACKEND=mariadb"),
        ({"WEB_BACKEND": "nginx", "WEB_ROOT": "/tmp/w", "NGINX_CONF_DIR": "/tmp/n"}, "WEB_BACKEND=nginx"),
        ({"MAIL_BACKEND": "dovecot", "DOVECOT_PASSWD_FILE": "/tmp/p"}, "MAIL_BACKEND=dovecot"),
        ({"ACME_DIRECTORY_URL": "http://127.0.0.1:1/dir"}, "ACME_DIRECTORY_URL"),
        (
            {"JOB_RUNNER": "procrastinate", "DATABASE_URL": "postgresql://postgres@127.0.0.1/x"},
            "JOB_RUNNER=embedded",
        ),
        ({"JOB_RUNNER": "worker"}, "JOB_RUNNER=embedded"),
    ],
)
def test_refused_with_a_real_backend_or_another_runner(extra: dict[str, str], named: str) -> None:
    from reseller_api.settings import SettingsError

    env = {"RESELLER_API_SANDBOX": "true", **{f"RESELLER_API_{k}": v for k, v in extra.items()}}
    with pytest.raises(SettingsError, match="SANDBOX=true") as refused:
        Settings.from_env(env)
    assert named in str(refused.value)


def test_the_operator_token_guards_sandbox_and_is_never_logged(
    server: TestClient[Any], caplog: pytest.LogCaptureFixture
) -> None:
    assert server.get("/sandbox/state").json()["error_code"] == "sandbox_token_missing"
    wrong = server.get("/sandbox/state", headers={"Authorization": "Bearer guessed-token-1234567"})
    assert (wrong.status_code, wrong.json()["error_code"]) == (401, "sandbox_token_invalid")
    assert server.get("/sandbox/state", headers={"Authorization": "hmac a:b:c:1"}).status_code == 401
    state = server.get("/sandbox/state", headers=BEARER)
    assert state.status_code == 200
    assert state.json()["job_mode"] == "estimate"
    assert set(state.json()) == {"clock", "job_mode", "fixture_loaded", "faults"}
    assert TOKEN not in caplog.text
    assert "guessed-token" not in caplog.text
    # Bad input: the API's error format, nothing changed.
    bad = server.post("/sandbox/faults", content=b'{"status": 418}', headers=BEARER)
    assert (bad.status_code, bad.json()["error_code"]) == (400, "sandbox_request_invalid")
    assert server.get("/sandbox/faults", headers=BEARER).json() == []
    assert server.get("/sandbox/nothing", headers=BEARER).status_code == 404


def test_without_a_token_http_is_refused_but_the_cli_works(
    sandbox_settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(
        dataclasses.replace(sandbox_settings, sandbox_token=None), database=database, run_jobs=False
    )
    with TestClient(ClientAddress(app), base_url="http://testserver.local") as client:  # type: ignore[arg-type]
        response = client.get("/sandbox/state", headers=BEARER)
        assert (response.status_code, response.json()["error_code"]) == (403, "sandbox_token_not_configured")
    app.dispose()
    assert cli(monkeypatch, sandbox_settings, "sandbox", "jobs", "mode", "instant") == 0


# -- fixtures ------------------------------------------------------------------------------


def test_fixtures_load_through_the_services_reset_and_dump_round_trip(
    sandbox: Sandbox,
    sandbox_settings: Settings,
    db_factory: DatabaseFactory,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    acme = sandbox.acme
    accounts = acme.get("/v2/accounts").json()
    assert [a["identifier"] for a in accounts] == ["shop.example.com"]
    records = acme.get("/v2/dns/shop.example.com/records?type=TXT").json()
    assert [r["content"] for r in records] == ["v=spf1 -all"]
    assert acme.get("/v2/mailboxes/info@shop.example.com").status_code == 200
    assert acme.get("/v2/mysqldatabases").json()[0]["name"] == f"id{accounts[0]['id']}_shop"
    assert acme.get("/v2/domains/acme-sandbox.net").status_code == 200
    assert sandbox.globex.get("/v2/accounts").json() == []  # the other reseller's key works, sees nothing
    dumped = sandbox.call("GET", "/dump")
    assert "api_secret" not in dumped  # never over HTTP

    # Changes after the load are undone by a reset, ids included.
    job = acme.post("/v2/accounts", {"identifier": "extra.example.org", "servicepack_id": 4})
    made = acme.wait_job(job.headers["Location"], timeout=30).json()["resource_links"]
    acme.post("/v2/dns/shop.example.com/records", {"type": "TXT", "record_name": "x", "content": "later"})
    sandbox.call("POST", "/faults", {"status": 500}, ok=201)
    sandbox.call("POST", "/reset")
    assert [a["identifier"] for a in acme.get("/v2/accounts").json()] == ["shop.example.com"]
    assert sandbox.call("GET", "/faults") == []
    assert sandbox.call("GET", "/dump") == dumped
    again = acme.post("/v2/accounts", {"identifier": "extra.example.org", "servicepack_id": 4})
    assert acme.wait_job(again.headers["Location"], timeout=30).json()["resource_links"] == made  # same id

    # The dump loads into an empty installation and dumps the same.
    other_dir = tmp_path_factory.mktemp("dumped")
    with db_factory.database(other_dir) as other:
        fixtures = Fixtures(sandbox_settings, other, SecretBox.from_settings(sandbox_settings))
        fixtures.load_text(dumped)
        assert yaml.safe_load(fixtures.dump_text()) == yaml.safe_load(dumped)


def test_a_bad_fixture_names_the_entry_and_changes_nothing(sandbox: Sandbox) -> None:
    before = sandbox.call("GET", "/dump")
    bad = sandbox.client.post(
        "/sandbox/fixtures", content=b"resellers: [{name: x, acounts: []}]", headers=BEARER
    )
    assert bad.status_code == 400
    assert "acounts" in bad.json()["error_text"]
    refused = sandbox.client.post(
        "/sandbox/fixtures",
        content=b"resellers: [{name: acme, accounts: [{identifier: shop.example.com, servicepack_id: 1}]}]",
        headers=BEARER,
    )
    assert refused.status_code == 400
    assert refused.json()["error_text"].startswith("resellers[0].accounts[0]:")
    assert sandbox.call("GET", "/dump") == before
    # All or nothing: the reseller made before its account was refused is taken back.
    late = sandbox.client.post(
        "/sandbox/fixtures",
        content=b"resellers: [{name: newco, accounts: [{identifier: late.example.com, servicepack_id: 9}]}]",
        headers=BEARER,
    )
    assert late.status_code == 400
    assert late.json()["error_text"].startswith("resellers[0].accounts[0]:")
    assert sandbox.call("GET", "/dump") == before


# -- the test clock --------------------------------------------------------------------------


def test_the_clock_moves_expiries_job_estimates_and_signature_windows(sandbox: Sandbox) -> None:
    acme = sandbox.acme
    job = acme.post("/v2/domains/registrations", {"domain_name": "renewing.com"})
    acme.wait_job(job.headers["Location"], timeout=30)
    sandbox.call("POST", "/clock/freeze")
    frozen = sandbox.now()
    acme.put("/v2/domains/acme-sandbox.net/renew", {"will_renew": False})
    detail = acme.get("/v2/domains/acme-sandbox.net").json()
    assert detail["can_toggle_renew"] is True

    # Estimate mode: a job is due after its estimate, on the sandbox's clock (frozen: never).
    pending = acme.post("/v2/accounts", {"identifier": "later.example.org", "servicepack_id": 4})
    time.sleep(0.7)  # more than the runner's idle poll: it looked, and the job was not due
    assert acme.get(pending.headers["Location"]).json()["status"] == "ongoing"

    moved = sandbox.call("POST", "/clock/advance", {"by": "366d"})
    assert moved["frozen"] is True
    assert sandbox.now() == pytest.approx(frozen + 366 * 86400, abs=1)
    assert acme.wait_job(pending.headers["Location"], timeout=30).status_code == 201

    expired = acme.get("/v2/domains/acme-sandbox.net").json()
    assert expired["expiration_date"] < moved["now"]  # ISO strings compare as dates
    assert expired["can_toggle_renew"] is False
    renewed = acme.get("/v2/domains/renewing.com").json()
    assert renewed["will_renew"] is True
    assert renewed["expiration_date"] > moved["now"]

    # A client signing with the sandbox's clock, or with its own real one, gets in; neither
    # may replay a nonce; a timestamp far from both is refused.
    assert acme.get("/v2/accounts", timestamp=int(sandbox.now())).status_code == 200
    assert acme.get("/v2/accounts", timestamp=int(time.time())).status_code == 200
    replayed = acme.get("/v2/accounts", timestamp=int(sandbox.now()), nonce="n-1")
    assert replayed.status_code == 200
    again = acme.get("/v2/accounts", timestamp=int(sandbox.now()), nonce="n-1")
    assert again.json()["error_code"] == "authorization_nonce_reused"
    stale = acme.get("/v2/accounts", timestamp=int(time.time()) - 200 * 86400)
    assert stale.json()["error_code"] == "authorization_timestamp_invalid"

    resumed = sandbox.call("POST", "/clock/resume")
    assert resumed["frozen"] is False
    assert (
        sandbox.call("POST", "/clock/advance", {"by": "0d"}, ok=400)["error_code"]
        == "sandbox_request_invalid"
    )


# -- job modes --------------------------------------------------------------------------------


def test_job_modes_instant_and_manual_with_release(sandbox: Sandbox) -> None:
    acme = sandbox.acme
    sandbox.call("PUT", "/jobs/mode", {"mode": "instant"})
    instant = acme.post("/v2/accounts", {"identifier": "instant.example.org", "servicepack_id": 4})
    assert acme.get(instant.headers["Location"]).status_code in (200, 201)
    assert acme.wait_job(instant.headers["Location"], timeout=30).status_code == 201

    sandbox.call("PUT", "/jobs/mode", {"mode": "manual"})
    held = [
        acme.post("/v2/accounts", {"identifier": f"held{i}.example.org", "servicepack_id": 4}).headers[
            "Location"
        ]
        for i in range(3)
    ]
    time.sleep(0.7)  # the runner looked at least once: nothing was due
    assert {acme.get(loc).json()["status"] for loc in held} == {"ongoing"}
    first_id = held[0].rsplit("/", 1)[-1]
    assert sandbox.call("POST", "/jobs/release", {"id": first_id}) == {"released": 1}
    assert acme.wait_job(held[0], timeout=30).status_code == 201
    assert acme.get(held[1]).json()["status"] == "ongoing"
    assert sandbox.call("POST", "/jobs/release", {"all": True}) == {"released": 2}
    assert {acme.wait_job(loc, timeout=30).status_code for loc in held[1:]} == {201}
    assert (
        sandbox.call("PUT", "/jobs/mode", {"mode": "fast"}, ok=400)["error_code"] == "sandbox_request_invalid"
    )


# -- faults ------------------------------------------------------------------------------------


def test_request_faults_answer_the_apis_errors_by_method_path_and_key(sandbox: Sandbox) -> None:
    acme, globex = sandbox.acme, sandbox.globex
    rule = sandbox.call(
        "POST",
        "/faults",
        {"status": 429, "retry_after": 2, "path": "/v2/accounts*", "api_key": ACME[0]},
        ok=201,
    )
    assert rule["remaining"] == 1
    assert globex.get("/v2/accounts").status_code == 200  # another key: not matched
    assert acme.get("/v2/servicepacks").status_code == 200  # another path: not matched
    limited = acme.get("/v2/accounts")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "2"
    assert limited.json() == {
        "error_code": "rate_limit_exceeded",
        "error_text": "Too many requests, retry later.",
    }
    assert acme.get("/v2/accounts").status_code == 200  # once
    assert sandbox.call("GET", "/faults")[0]["hits"] == 1

    sandbox.call("POST", "/faults", {"status": 503, "method": "POST", "times": 2}, ok=201)
    body = {"type": "TXT", "record_name": "", "content": "x"}
    statuses = [acme.post("/v2/dns/shop.example.com/records", body).status_code for _ in range(3)]
    assert statuses == [503, 503, 201]  # twice, and the refused requests changed nothing
    assert len(acme.get("/v2/dns/shop.example.com/records?type=TXT").json()) == 2

    sandbox.call("DELETE", "/faults")
    failing = sandbox.call("POST", "/faults", {"status": 500, "path": "/v2/servicepacks"}, ok=201)
    error = acme.get("/v2/servicepacks")
    assert error.status_code == 500
    assert error.json()["error_code"] == "internal_error"
    assert error.headers["X-Request-Id"] in error.json()["error_text"]
    sandbox.call("DELETE", f"/faults/{failing['id']}")
    assert sandbox.call("DELETE", f"/faults/{failing['id']}", ok=404)["error_code"] == "sandbox_not_found"

    sandbox.call("POST", "/faults", {"latency": 0.05, "times": "always", "path": "/v2/servicepacks"}, ok=201)
    assert acme.get("/v2/servicepacks").status_code == 200  # late, not failed
    sandbox.call("DELETE", "/faults")

    # A probability: some matches fail, some do not (all 40 alike: about 2 in 10^12).
    sandbox.call("POST", "/faults", {"status": 503, "times": "always", "probability": 0.5}, ok=201)
    seen = {acme.get("/v2/servicepacks").status_code for _ in range(40)}
    assert seen == {200, 503}


def test_job_faults_fail_the_next_job_of_a_kind_with_the_reason(sandbox: Sandbox) -> None:
    acme = sandbox.acme
    sandbox.call("PUT", "/jobs/mode", {"mode": "instant"})
    rule = sandbox.call(
        "POST",
        "/faults",
        {"target": "job", "job_kind": "account.create", "reason": "registry unavailable"},
        ok=201,
    )
    assert rule == {
        "id": rule["id"], "target": "job", "remaining": 1, "probability": 1.0, "hits": 0,
        "job_kind": "account.create", "reason": "registry unavailable",
    }  # fmt: skip
    registration = acme.post("/v2/domains/registrations", {"domain_name": "not-affected.com"})
    assert acme.wait_job(registration.headers["Location"], timeout=30).status_code == 201
    first = acme.post("/v2/accounts", {"identifier": "fails.example.org", "servicepack_id": 4})
    failed = acme.wait_job(first.headers["Location"], timeout=30)
    assert failed.json()["status"] == "failed"
    # The order can be placed again (the failed job removed what it had reserved).
    second = acme.post("/v2/accounts", {"identifier": "fails.example.org", "servicepack_id": 4})
    assert acme.wait_job(second.headers["Location"], timeout=30).status_code == 201
    assert sandbox.call("POST", "/faults", {"target": "job", "job_kind": "nope", "reason": "x"}, ok=400)


def test_a_rule_is_never_spent_twice_by_concurrent_matches(
    sandbox_settings: Settings, database: Database
) -> None:
    from reseller_api.sandbox.state import ensure

    ensure(database)
    fault_id = faults.add_request_fault(database, status=503, times=5)
    rule = next(f for f in faults.listing(database) if f.id == fault_id)
    taken: list[bool] = []
    barrier = threading.Barrier(8)

    def race() -> None:
        barrier.wait()
        for _ in range(4):
            taken.append(faults.take(database, rule))

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert taken.count(True) == 5
    assert faults.listing(database)[0].hits == 5


# -- the CLI, against a running server ---------------------------------------------------------


def test_the_cli_drives_a_running_server(
    sandbox: Sandbox, sandbox_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: Any, tmp_path: Path
) -> None:
    acme = sandbox.acme
    run = lambda *args: cli(monkeypatch, sandbox_settings, "sandbox", *args)  # noqa: E731
    assert run("faults", "add", "--status", "429", "--key", ACME[0], "--times", "2") == 0
    assert run("faults", "add", "--job-kind", "account.create", "--reason", "no capacity") == 0
    eventually(lambda: acme.get("/v2/servicepacks").status_code == 429)  # seen within 0.1 s
    assert acme.get("/v2/servicepacks").status_code == 429
    assert acme.get("/v2/servicepacks").status_code == 200
    capsys.readouterr()
    assert run("faults", "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["target"], r["hits"], r["remaining"]) for r in listed] == [("request", 2, 0), ("job", 0, 1)]
    job = acme.post("/v2/accounts", {"identifier": "cli.example.org", "servicepack_id": 4})
    assert acme.wait_job(job.headers["Location"], timeout=30).json()["status"] == "failed"
    assert run("faults", "clear") == 0
    assert sandbox.call("GET", "/faults") == []
    assert (
        run("faults", "add", "--status", "500", "--method", "GET", "--path", "/v2/servicepacks", "--always")
        == 0
    )
    assert run("faults", "add", "--latency", "0.01", "--always", "--probability", "0.5") == 0
    assert eventually(lambda: acme.get("/v2/servicepacks").status_code == 500)
    assert acme.get("/v2/accounts").status_code == 200  # the latency rule: late, never failed
    assert run("faults", "list") == 0
    assert "always" in capsys.readouterr().out
    assert run("faults", "clear", "1") == 2  # spent and cleared before: not there
    assert run("faults", "clear") == 0
    with pytest.raises(SystemExit):  # argparse: not a choice
        run("faults", "add", "--status", "418")

    assert run("jobs", "mode", "manual") == 0
    eventually(lambda: sandbox.call("GET", "/state")["job_mode"] == "manual")
    held = acme.post("/v2/accounts", {"identifier": "held.example.org", "servicepack_id": 4}).headers[
        "Location"
    ]
    assert run("jobs", "release", held.rsplit("/", 1)[-1]) == 0
    assert acme.wait_job(held, timeout=30).status_code == 201
    assert run("jobs", "release", "--all") == 0

    before = sandbox.now()
    assert run("clock", "advance", "1d12h") == 0
    assert eventually(lambda: sandbox.now() - before >= 36 * 3600 - 5)
    capsys.readouterr()
    assert run("clock", "show", "--json") == 0
    assert json.loads(capsys.readouterr().out)["frozen"] is False
    assert run("clock", "advance", "soon") == 2

    assert run("dump", str(tmp_path / "state.yaml"), "--secrets") == 0
    dumped = yaml.safe_load((tmp_path / "state.yaml").read_text())
    assert (tmp_path / "state.yaml").stat().st_mode & 0o777 == 0o600
    assert dumped["resellers"][0]["keys"][0]["api_secret"] == ACME[1]
    assert run("reset") == 0
    assert [a["identifier"] for a in acme.get("/v2/accounts").json()] == ["shop.example.com"]
    assert run("load", str(tmp_path / "missing.yaml")) == 2


def test_worker_is_refused_and_check_config_hides_the_token(
    sandbox_settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("RESELLER_API_SANDBOX_TOKEN", TOKEN)
    assert cli(monkeypatch, sandbox_settings, "worker") == 2
    assert "inside `reseller-api serve`" in capsys.readouterr().err
    cli(monkeypatch, sandbox_settings, "check-config", "--json")
    out = capsys.readouterr().out
    assert TOKEN not in out
    assert json.loads(out)["settings"]["RESELLER_API_SANDBOX_TOKEN"] == "(set, hidden)"
