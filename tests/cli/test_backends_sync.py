"""``reseller-api backends sync``: the simulated world, wiped, comes back from our database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import delete, select

from reseller_api.backends import build_backends
from reseller_api.backends.base import BackendUnavailable
from reseller_api.cli import backends as cli
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import simulated_objects
from tests.conftest import TEST_SECRET_KEY
from tests.harness import Caller

PASSWORD = "Secret123x"
DOMAIN = "example.com"
HOSTING = f"/v2/linuxhostings/{DOMAIN}"
ZONE = f"/v2/mailzones/{DOMAIN}"


def ok(response: Any, status: int) -> None:
    assert response.status_code == status, response.text


def populate(api: Caller) -> None:
    """An account with hosting, DNS and mail (pack 1), and something in each part of it."""
    accepted = api.post("/v2/accounts", {"identifier": DOMAIN, "servicepack_id": 1, "ftp_password": PASSWORD})
    ok(accepted, 202)
    done = api.wait_job(accepted.headers["location"])
    ok(done, 201)
    account_id = int(done.json()["resource_links"][0].rsplit("/", 1)[1])
    records = f"/v2/dns/{DOMAIN}/records"
    ok(api.post(records, {"type": "A", "record_name": "www", "content": "192.0.2.1"}), 201)
    ok(api.post(records, {"type": "A", "record_name": "www", "content": "192.0.2.2", "ttl": 60}), 201)
    ok(
        api.post(records, {"type": "MX", "record_name": "@", "content": "mail.example.com", "priority": 5}),
        201,
    )
    ok(api.post(records, {"type": "TXT", "record_name": "@", "content": "v=spf1 mx -all"}), 201)
    box = {"email_address": f"info@{DOMAIN}", "account_id": account_id, "password": PASSWORD}
    ok(api.post("/v2/mailboxes", box), 201)
    reply = {"enabled": True, "subject": "Away", "message": "Back on Monday."}
    ok(api.put(f"/v2/mailboxes/info@{DOMAIN}/autoreply", reply), 204)
    ok(api.post(f"{ZONE}/aliases", {"email_address": f"team@{DOMAIN}", "destinations": ["a@x.be"]}), 201)
    ok(api.post(f"{ZONE}/catchall", {"email_address": f"info@{DOMAIN}"}), 201)
    ok(api.put(f"{ZONE}/antispam", {"type": "advanced"}), 204)
    ok(api.post(f"{ZONE}/smtpdomains", {"hostname": "newsletter.example.net"}), 201)
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    line = key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode() + " alice@laptop"
    ok(api.post(f"{HOSTING}/ssh/keys", {"public_key": line}), 201)
    task = {"cron_expression": "0 3 * * *", "script_location": "/www/cron/nightly.php"}
    ok(api.post(f"{HOSTING}/scheduledtasks", task), 201)
    ok(api.put(f"{HOSTING}/phpsettings/version", {"version": "8.2"}), 204)
    ok(api.post(f"{HOSTING}/sites/{DOMAIN}/hostheaders", {"domain_name": "alias.be"}), 201)


def world(database: Database) -> dict[tuple[str, str], Any]:
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(simulated_objects.c.kind, simulated_objects.c.name, simulated_objects.c.data)
        ).all()
    return {(kind, name): json.loads(data) for kind, name, data in rows}


def wipe(database: Database) -> None:
    with database.transaction() as conn:
        conn.execute(delete(simulated_objects))


@pytest.fixture
def populated(api: Caller, database: Database) -> dict[tuple[str, str], Any]:
    populate(api)
    # The account registered its domain (pack 1 has a domain asset): a registration is the
    # registry's to keep, not something ``backends sync`` pushes to our servers.
    before = {key: value for key, value in world(database).items() if key[0] != "registry_domain"}
    kinds = {kind for kind, _ in before}
    assert {"dns_zone", "dns_rrset", "mail_zone", "mailbox", "mail_alias", "smtp_domain"} <= kinds
    assert {"hosting", "hosting_settings", "hosting_site", "hosting_ssh_keys", "hosting_crontab"} <= kinds
    wipe(database)
    return before


def test_sync_rebuilds_the_wiped_world(
    populated: dict[tuple[str, str], Any],
    settings: Settings,
    database: Database,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.sync(settings, database) == 0
    assert world(database) == populated
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert f"dns zone {DOMAIN}: 5 rrsets" in lines  # www A, MX, TXT and the zone's SOA and NS
    assert any(line.startswith(f"mail zone {DOMAIN}: 1 mailboxes, 1 aliases") for line in lines)
    assert f"hosting {DOMAIN}: 1 sites, 1 ssh keys, 1 scheduled tasks" in lines
    assert cli.MYSQLDATABASES_LINE in lines
    assert lines[-1] == "3 resource(s) synced, 0 failed"
    for secret in (
        populated["mailbox", f"info@{DOMAIN}"]["password_hash"],
        populated["hosting", DOMAIN]["ftp_password_hash"],
    ):
        assert secret not in out
    # Converged: a second run changes nothing.
    assert cli.sync(settings, database) == 0
    assert world(database) == populated


def test_dry_run_and_only(
    populated: dict[tuple[str, str], Any],
    settings: Settings,
    database: Database,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.sync(settings, database, dry_run=True) == 0
    assert world(database) == {}
    assert "dry run" in capsys.readouterr().out
    assert cli.sync(settings, database, "dns") == 0
    assert {kind for kind, _ in world(database)} == {"dns_zone", "dns_rrset"}
    assert world(database) == {k: v for k, v in populated.items() if k[0].startswith("dns_")}
    assert cli.MYSQLDATABASES_LINE not in capsys.readouterr().out


def test_a_failing_backend_is_one_line_and_exit_1(
    populated: dict[tuple[str, str], Any],
    settings: Settings,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    backends = build_backends(settings, database)

    def down(*args: object) -> None:
        raise BackendUnavailable("the mail server did not answer")

    monkeypatch.setattr(backends.mail, "ensure_mail_zone", down)
    assert cli.sync(settings, database, backends=backends) == 1
    lines = capsys.readouterr().out.splitlines()
    assert f"mail zone {DOMAIN}: FAILED: unavailable: the mail server did not answer" in lines
    assert lines[-1] == "2 resource(s) synced, 1 failed"
    # The others went on.
    synced = world(database)
    assert {k: v for k, v in populated.items() if not k[0].startswith(("mail", "smtp"))} == synced


def test_command_line(
    populated: dict[tuple[str, str], Any],
    settings: Settings,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from reseller_api.cli.main import main

    monkeypatch.setenv("RESELLER_API_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RESELLER_API_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("RESELLER_API_DATA_DIR", str(settings.data_dir))
    assert main(["backends", "sync", "--only", "web"]) == 0
    assert f"hosting {DOMAIN}: 1 sites, 1 ssh keys, 1 scheduled tasks" in capsys.readouterr().out
    assert {kind for kind, _ in world(database)} == {
        "hosting",
        "hosting_settings",
        "hosting_site",
        "hosting_ssh_keys",
        "hosting_crontab",
    }
