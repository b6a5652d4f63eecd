"""``resellerctl`` commands as people run them: tables, --json, --wait, profiles, errors."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import pytest

from tests.api.test_sslcertificates import make_csr
from tests.cli.conftest import Site

pytestmark = pytest.mark.integration

PASSWORD = "Secret123x\n"


@pytest.fixture(scope="module")
def alice(site: Site) -> dict[str, str]:
    return site.key("alice-cli")


@pytest.fixture(scope="module")
def bob(site: Site) -> dict[str, str]:
    return site.key("bob-cli")


@pytest.fixture(scope="module")
def account(site: Site, alice: dict[str, str]) -> dict[str, object]:
    """cli.example (Starter pack): its hosting, DNS zone and mail zone, made with --wait."""
    args = ["create", "cli.example", "--servicepack-id", "1", "--ftp-password-stdin", "--wait", "--json"]
    done = site.ctl("accounts", *args, stdin=PASSWORD, **alice)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_configure_from_bootstrap_writes_a_private_profile(site: Site) -> None:
    done = site.ctl(
        "configure", "--profile", "boot", "--from-bootstrap", "--url", site.server.base_url, "--json"
    )
    assert done.returncode == 0, done.stderr
    path = site.home / "config" / "resellerctl.toml"
    assert json.loads(done.stdout)["path"] == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    secret = site.deployment.bootstrap_credentials()["api_secret"]
    assert secret in path.read_text()
    assert secret not in done.stdout + done.stderr
    listing = site.ctl("--profile", "boot", "servicepacks", "list", "--json")
    assert [p["name"] for p in json.loads(listing.stdout)][:1] == ["Linux hosting Starter"]
    # The profile flag after the command works too; an unknown profile is a clear error.
    assert site.ctl("servicepacks", "list", "--profile", "boot").returncode == 0
    missing = site.ctl("servicepacks", "list", "--profile", "nope")
    assert missing.returncode == 2
    assert "no profile 'nope'" in missing.stderr


def test_configure_with_flags_and_no_terminal(site: Site, alice: dict[str, str]) -> None:
    done = site.ctl(
        "configure", "--profile", "flags", "--url", site.server.base_url,
        f"--api-key={alice['RESELLER_API_KEY']}", f"--api-secret={alice['RESELLER_API_SECRET']}",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert site.ctl("--profile", "flags", "accounts", "list").returncode == 0
    asked = site.ctl("configure", "--profile", "asked")
    assert asked.returncode == 2
    assert "--api-key" in asked.stderr


def test_no_credentials_is_a_clear_error(site: Site) -> None:
    done = site.ctl("accounts", "list", RESELLERCTL_CONFIG=str(site.home / "none.toml"))
    assert done.returncode == 2
    assert "resellerctl configure --from-bootstrap" in done.stderr


def test_accounts_list_show_and_errors(site: Site, alice: dict[str, str], account: dict[str, object]) -> None:
    assert account["identifier"] == "cli.example"
    table = site.ctl("accounts", "list", **alice)
    assert "cli.example" in table.stdout
    shown = json.loads(site.ctl("accounts", "show", str(account["id"]), "--json", **alice).stdout)
    assert shown == account
    missing = site.ctl("accounts", "show", "999999", **alice)
    assert missing.returncode == 1
    assert missing.stdout == ""
    code, _, text = missing.stderr.strip().partition(": ")
    assert code
    assert text
    again = site.ctl(
        "accounts", "create", "cli.example", "--servicepack-id", "1", "--ftp-password-stdin",
        stdin=PASSWORD, **alice,
    )  # fmt: skip
    assert again.returncode == 1
    assert again.stderr.startswith("account_identifier_in_use: ")


def test_another_reseller_sees_nothing(site: Site, bob: dict[str, str], account: dict[str, object]) -> None:
    assert json.loads(site.ctl("accounts", "list", "--json", **bob).stdout) == []
    hidden = site.ctl("accounts", "show", str(account["id"]), **bob)
    assert hidden.returncode == 1
    assert hidden.stderr.strip()


def test_start_a_job_then_wait_for_it(site: Site, alice: dict[str, str]) -> None:
    started = json.loads(
        site.ctl("accounts", "create", "later.example", "--servicepack-id", "4", "--json", **alice).stdout
    )
    assert started["location"] == f"/v2/provisioningjobs/{started['job_id']}"
    waited = site.ctl("jobs", "wait", started["location"], "--json", **alice)
    assert waited.returncode == 0, waited.stderr
    assert json.loads(waited.stdout)["resource_links"][0].startswith("/v2/accounts/")
    shown = json.loads(site.ctl("jobs", "show", started["job_id"], "--json", **alice).stdout)
    assert shown["id"] == started["job_id"]


def test_a_command_run_again_with_its_idempotency_key_writes_once(site: Site, alice: dict[str, str]) -> None:
    create = ["accounts", "create", "once.example", "--servicepack-id", "4", "--json"]
    first = site.ctl(*create, "--idempotency-key", "order-1234", **alice)
    assert first.returncode == 0, first.stderr
    again = site.ctl(*create, "--idempotency-key", "order-1234", **alice)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["job_id"] == json.loads(first.stdout)["job_id"]
    other = site.ctl(
        "accounts",
        "create",
        "twice.example",
        "--servicepack-id",
        "4",
        "--idempotency-key",
        "order-1234",
        **alice,
    )
    assert other.returncode == 1
    assert "idempotency_key_reused" in other.stderr


def test_webhooks_from_the_shell_against_a_real_receiver(site: Site, alice: dict[str, str]) -> None:
    """A real server delivers to a real receiver: signed, logged, and managed from the shell."""
    from reseller_api.client.webhooks import verify
    from tests.webhook_receiver import receiver

    with receiver() as hooks:
        created = site.ctl("webhooks", "create", hooks.url, "--event", "*", "--json", **alice)
        assert created.returncode == 0, created.stderr
        endpoint = json.loads(created.stdout)
        assert endpoint["secret"].startswith("whsec_")
        webhook_id = str(endpoint["id"])
        assert site.ctl("webhooks", "test", webhook_id, **alice).returncode == 0
        [arrived] = hooks.wait_for(1, timeout=20)
        assert verify(endpoint["secret"], arrived.body, arrived.headers)["type"] == "webhook.test"
        shown = json.loads(site.ctl("webhooks", "show", webhook_id, "--json", **alice).stdout)
        assert "secret" not in shown
        log = json.loads(site.ctl("webhooks", "deliveries", webhook_id, "--json", **alice).stdout)
        assert log[0]["event_id"] == arrived.headers["webhook-id"]
        rotated = site.ctl("webhooks", "rotate-secret", webhook_id, "--json", **alice)
        assert rotated.returncode == 0, rotated.stderr
        new_secret = json.loads(rotated.stdout)["secret"]
        assert new_secret.startswith("whsec_")
        assert new_secret != endpoint["secret"]
        assert site.ctl("webhooks", "test", webhook_id, **alice).returncode == 0
        [_, again] = hooks.wait_for(2, timeout=20)
        assert verify(new_secret, again.body, again.headers)["type"] == "webhook.test"
        off = site.ctl("webhooks", "update", webhook_id, "--enabled", "off", "--json", **alice)
        assert json.loads(off.stdout)["enabled"] is False
        bad = site.ctl("webhooks", "create", "http://example.com/x", "--event", "*", **alice)
        assert bad.returncode == 1
        assert "webhook_url_invalid" in bad.stderr
        assert site.ctl("webhooks", "delete", webhook_id, **alice).returncode == 0


def test_listing_is_lazy_and_limited(site: Site, alice: dict[str, str]) -> None:
    limited = site.ctl("servicepacks", "list", "--limit", "2", "--page-size", "1", "--json", **alice)
    assert len(json.loads(limited.stdout)) == 2


def test_domains(site: Site, alice: dict[str, str]) -> None:
    done = site.ctl("domains", "register", "cli-domain.net", "--wait", "--json", **alice)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["domain_name"] == "cli-domain.net"
    servers = site.ctl(
        "domains", "nameservers", "cli-domain.net", "ns1.example.org", "ns2.example.org", **alice
    )
    assert servers.returncode == 0, servers.stderr
    shown = json.loads(site.ctl("domains", "show", "cli-domain.net", "--json", **alice).stdout)
    assert [n["name"] for n in shown["name_servers"]] == ["ns1.example.org", "ns2.example.org"]
    assert "cli-domain.net" in site.ctl("domains", "list", **alice).stdout
    bad = site.ctl("domains", "nameservers", "cli-domain.net", "only-one.example.org", **alice)
    assert bad.returncode == 1
    assert bad.stderr.strip()


def test_hostings_mail_and_databases(site: Site, alice: dict[str, str], account: dict[str, object]) -> None:
    def ok(*args: str, stdin: str = "") -> str:
        done = site.ctl(*args, stdin=stdin, **alice)
        assert done.returncode == 0, f"{args}: {done.stderr}"
        return done.stdout

    assert json.loads(ok("hostings", "show", "cli.example", "--json"))["domain_name"] == "cli.example"
    version = json.loads(ok("hostings", "php-versions", "cli.example", "--json"))[-1]["version"]
    ok("hostings", "php-version", "cli.example", version)
    ok("hostings", "gzip", "cli.example", "off")
    task = json.loads(ok("hostings", "task-add", "cli.example", "0 3 * * *", "/www/cron.php", "--json"))["id"]
    assert json.loads(ok("hostings", "tasks", "cli.example", "--json"))[0]["id"] == task
    ok("hostings", "task-delete", "cli.example", task)

    ok("mailzones", "alias-add", "cli.example", "sales@cli.example", "a@example.org")
    zone = json.loads(ok("mailzones", "show", "cli.example", "--json"))
    assert zone["aliases"] == [{"email_address": "sales@cli.example", "destinations": ["a@example.org"]}]
    ok("mailboxes", "create", "info@cli.example", "--account-id", str(account["id"]), "--password-stdin",
       stdin="Mailbox123x\n")  # fmt: skip
    assert "info@cli.example" in ok("mailboxes", "list", "cli.example")

    args = ["create", "shop", "--account-id", str(account["id"]), "--password-stdin", "--wait", "--json"]
    created = ok("databases", *args, stdin="Database123x\n")
    name = json.loads(created)["name"]
    assert name in ok("databases", "list")
    assert json.loads(ok("databases", "users", name, "--json"))


def test_an_unreachable_server_is_one_line_and_a_hint(site: Site, alice: dict[str, str]) -> None:
    done = site.ctl("accounts", "list", **{**alice, "RESELLER_API_URL": "http://127.0.0.1:9"})
    assert done.returncode == 1
    assert done.stderr.startswith("transport_error: ")
    error, hint = done.stderr.strip().splitlines()
    assert "(GET http://127.0.0.1:9/v2/accounts" in error
    assert hint.startswith("hint: is the server running at http://127.0.0.1:9?")


def test_dns_records(
    site: Site, alice: dict[str, str], bob: dict[str, str], account: dict[str, object]
) -> None:
    added = site.ctl("dns", "add", "cli.example", "MX", "--content", "mail.cli.example", "--priority", "10",
                     "--json", **alice)  # fmt: skip
    assert added.returncode == 0, added.stderr
    record_id = json.loads(added.stdout)["id"]
    listed = json.loads(site.ctl("dns", "list", "cli.example", "--type", "MX", "--json", **alice).stdout)
    assert [r["id"] for r in listed] == [record_id]
    updated = site.ctl("dns", "update", "cli.example", record_id, "MX", "--content", "mx2.cli.example",
                       "--priority", "20", **alice)  # fmt: skip
    assert updated.returncode == 0, updated.stderr
    shown = json.loads(site.ctl("dns", "show", "cli.example", record_id, "--json", **alice).stdout)
    assert (shown["content"], shown["priority"]) == ("mx2.cli.example", 20)
    assert site.ctl("dns", "show", "cli.example", record_id, **bob).returncode == 1
    assert "mx2.cli.example" in site.ctl("dns", "list", "cli.example", **alice).stdout
    assert site.ctl("dns", "delete", "cli.example", record_id, **alice).returncode == 0
    assert site.ctl("dns", "show", "cli.example", record_id, **alice).returncode == 1


def test_certificates_and_windows_hostings(
    site: Site, alice: dict[str, str], bob: dict[str, str], account: dict[str, object], tmp_path: Path
) -> None:
    def ok(*args: str, stdin: str = "") -> str:
        done = site.ctl(*args, stdin=stdin, **alice)
        assert done.returncode == 0, f"{args}: {done.stderr}"
        return done.stdout

    requested = json.loads(ok("certificates", "request", "-", "--json", stdin=make_csr("cli.example")))
    request_id = str(requested["id"])
    assert requested["common_name"] == "cli.example"
    # cli.example's zone is hosted here: its validation is checked at once and a job issues it.
    deadline = time.monotonic() + 15
    while True:
        shown = json.loads(ok("certificates", "show", request_id, "--json"))
        if "sha1_fingerprint" in shown or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    fingerprint = shown["sha1_fingerprint"]
    verified = json.loads(ok("certificates", "verify", request_id, "--json"))
    assert verified["sha1_fingerprint"] == fingerprint
    assert fingerprint in ok("certificates", "list")
    assert request_id in ok("certificates", "list", "--requests", "--format", "tsv")
    target = tmp_path / "cli.pem"
    ok("certificates", "download", fingerprint, "--output", str(target))
    assert target.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert ok("certificates", "download", fingerprint).startswith("-----BEGIN CERTIFICATE-----")
    pfx = site.ctl("certificates", "download", fingerprint, "--file-format", "pfx", **alice)
    assert pfx.returncode != 0
    assert "private key" in pfx.stderr
    assert "Traceback" not in pfx.stderr
    assert site.ctl("certificates", "show", fingerprint, **bob).returncode != 0

    pack = site.deployment.admin_json(
        "servicepack", "create", "Windows CLI", "--asset", "windows_hosting=1:2048"
    )
    done = site.ctl(
        "accounts", "create", "win.example", "--servicepack-id", str(pack["id"]), "--wait", "--json", **alice
    )
    assert done.returncode == 0, done.stderr
    assert "win.example" in ok("windowshostings", "list")
    assert json.loads(ok("windowshostings", "show", "win.example", "--json"))["max_size"] == 2048
