"""``reseller-api admin`` as operators run it, against a RUNNING server on the same data."""

from __future__ import annotations

import json
import os
import uuid

import pytest
from sqlalchemy import insert, select

from reseller_api.controlpanel import audit
from reseller_api.settings import normalise_database_url
from reseller_api.store.database import Database
from reseller_api.store.tables import api_key_networks, api_keys, resellers
from tests.integration.conftest import Deployment, Server, error_code

pytestmark = pytest.mark.integration


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_key_lifecycle_takes_effect_at_once(shared_deployment: Deployment, shared_server: Server) -> None:
    reseller = unique("ops")
    created = shared_deployment.admin_json("key", "create", "--reseller", reseller, "--allow-ip", "127.0.0.1")
    assert set(created) == {"reseller", "api_key", "api_secret"}
    api_key, old_secret = created["api_key"], created["api_secret"]
    with shared_server.client(api_key, old_secret) as old:
        assert old.get("/v2/servicepacks").status_code == 200

        # key list: every key, never a secret.
        listing = shared_deployment.admin("key", "list", "--json").stdout
        keys = json.loads(listing)
        mine = [k for k in keys if k["api_key"] == api_key]
        assert len(mine) == 1, keys
        assert mine[0]["reseller"] == reseller
        assert mine[0]["allowed_ips"] == ["127.0.0.1/32"]
        assert mine[0]["status"] == "active"
        assert mine[0]["last_used_at"] is None or mine[0]["last_used_at"].endswith("Z")
        assert old_secret not in listing
        assert shared_deployment.bootstrap_credentials()["api_secret"] not in listing
        assert all("secret" not in field for k in keys for field in k), keys
        only_mine = shared_deployment.admin_json("key", "list", "--reseller", reseller)
        assert [k["api_key"] for k in only_mine] == [api_key]

        # rotate: a new secret; the old one is refused by the running server on the next request.
        rotated = shared_deployment.admin_json("key", "rotate", api_key)
        assert rotated["api_key"] == api_key
        assert rotated["reseller"] == reseller
        new_secret = rotated["api_secret"]
        assert new_secret != old_secret
        refused = old.get("/v2/servicepacks")
        assert refused.status_code == 401, refused.text
        assert error_code(refused) == "authorization_hmac_invalid"

    with shared_server.client(api_key, new_secret) as new:
        assert new.get("/v2/servicepacks").status_code == 200

        # deny-ip / allow-ip: the whitelist is read again at once.
        denied = shared_deployment.admin("key", "deny-ip", api_key, "127.0.0.1/32")
        assert "127.0.0.1/32" in denied.stdout
        outside = new.get("/v2/servicepacks")
        assert outside.status_code == 401, outside.text
        assert error_code(outside) == "authorization_ip_not_whitelisted"
        shared_deployment.admin("key", "allow-ip", api_key, "127.0.0.1")
        back = new.get("/v2/servicepacks")
        assert back.status_code == 200, back.text

        # revoke: refused at once, listed as revoked.
        shared_deployment.admin("key", "revoke", api_key)
        revoked = new.get("/v2/servicepacks")
        assert revoked.status_code == 401, revoked.text
        assert error_code(revoked) == "authorization_api_key_invalid"
        status = [k["status"] for k in shared_deployment.admin_json("key", "list") if k["api_key"] == api_key]
        assert status == ["revoked"]


def test_servicepack_create_is_served(shared_deployment: Deployment, shared_server: Server) -> None:
    name = "Test pack"
    created = shared_deployment.admin_json(
        "servicepack", "create", name, "--asset", "linux_hosting=1:1000", "--asset", "mailbox=5"
    )
    assert created["name"] == name
    pack_id = created["id"]
    assert isinstance(pack_id, int)

    packs = shared_deployment.admin_json("servicepack", "list")
    mine = [p for p in packs if p["id"] == pack_id]
    assert len(mine) == 1, packs
    assert mine[0]["name"] == name
    assert sorted(mine[0]["assets"], key=lambda a: a["type"]) == [
        {"type": "linux_hosting", "count": 1, "max_size_mb": 1000},
        {"type": "mailbox", "count": 5, "max_size_mb": None},
    ]

    default = shared_deployment.bootstrap_credentials()
    with shared_server.client(default["api_key"], default["api_secret"]) as client:
        served = client.get("/v2/servicepacks?take=1000")
        assert served.status_code == 200, served.text
        assert {"id": pack_id, "name": name} in served.json()
        assert served.headers["x-paging-totalresults"] == str(len(packs))

    again = shared_deployment.cli("admin", "servicepack", "create", name, "--asset", "mailbox=1")
    assert again.returncode != 0
    assert "Traceback" not in again.stdout + again.stderr
    assert error_lines(again.stderr) == [f"reseller-api: error: A servicepack named {name!r} already exists."]


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "error" in line.lower()]


BAD_ADMIN = [
    pytest.param(["key", "create", "--reseller", "x", "--allow-ip", "not-an-ip"], id="bad-ip"),
    pytest.param(["key", "create", "--reseller", "x", "--rate-limit", "lots"], id="bad-rate-limit"),
    pytest.param(["key", "create", "--reseller", "Not Valid!", "--allow-ip", "127.0.0.1"], id="bad-reseller"),
    pytest.param(["key", "revoke", "nosuchkey"], id="unknown-key-revoke"),
    pytest.param(["key", "rotate", "nosuchkey"], id="unknown-key-rotate"),
    pytest.param(["key", "deny-ip", "nosuchkey", "127.0.0.1"], id="unknown-key-deny"),
    pytest.param(["key", "list", "--reseller", "nobody-here"], id="unknown-reseller"),
    pytest.param(["key", "create", "--reseller", "x", "--allow-ip", "::1%eth0"], id="ipv6-scope"),
    pytest.param(["key", "create", "--reseller", "x", "--allow-ip", "::1%<img src=x>"], id="scope-markup"),
    pytest.param(["key", "create", "--reseller", "x", "--allow-ip", "::1%\x1b[2J\nx"], id="scope-escapes"),
    pytest.param(["servicepack", "create", "X", "--asset", "bogus=1"], id="bad-asset"),
    pytest.param(
        ["servicepack", "create", "X", "--asset", "mailbox=1", "--asset", "mailbox=2"],
        id="dup-asset",
    ),
]


@pytest.mark.parametrize("args", BAD_ADMIN)
def test_bad_admin_arguments_fail_with_one_error_line(shared_deployment: Deployment, args: list[str]) -> None:
    done = shared_deployment.cli("admin", *args)
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout == ""
    errors = error_lines(done.stderr)
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("reseller-api: error: "), done.stderr
    assert done.stderr.rstrip("\n").endswith(errors[0]), "the error is the last thing printed"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["admin", "key", "list"], id="admin"),
        pytest.param(["migrate"], id="migrate"),
        pytest.param(["serve", "--port", "1"], id="serve"),
    ],
)
def test_a_bad_setting_fails_every_command_with_one_line(
    shared_deployment: Deployment, args: list[str]
) -> None:
    done = shared_deployment.cli(*args, RESELLER_API_RATE_LIMIT="banana")
    assert done.returncode != 0
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.splitlines() == [
        "reseller-api: error: RESELLER_API_RATE_LIMIT: expected N/PERIOD such as 1000/minute, got 'banana'"
    ]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["admin", "key", "create", "--allow-ip", "127.0.0.1"], id="missing-reseller"),
        pytest.param(["admin", "key", "frobnicate"], id="unknown-action"),
        pytest.param(["admin", "servicepack", "create", "X"], id="missing-asset"),
    ],
)
def test_usage_errors_are_argparse_errors(shared_deployment: Deployment, args: list[str]) -> None:
    done = shared_deployment.cli(*args)
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.startswith("usage: reseller-api")
    assert ": error: " in done.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["key", "create", "--reseller", "x", "--allow-ip", "not-an-ip"], id="bad-ip"),
        pytest.param(["key", "revoke", "nosuchkey"], id="unknown-key"),
        pytest.param(["servicepack", "create", "X", "--asset", "bogus=1"], id="bad-asset"),
    ],
)
def test_a_failing_admin_command_prints_only_its_error(
    shared_deployment: Deployment, args: list[str]
) -> None:
    done = shared_deployment.cli("admin", *args)
    assert done.returncode != 0
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("reseller-api: error: ")


def test_operator_changes_are_audited_like_the_panels(shared_deployment: Deployment) -> None:
    import pwd

    operator = pwd.getpwuid(os.geteuid()).pw_name
    reseller = unique("audited")
    shared_deployment.admin("reseller", "create", reseller)
    created = shared_deployment.cli("admin", "key", "create", "--reseller", reseller, "--json")
    assert created.returncode == 0, created.stderr
    api_key = json.loads(created.stdout)["api_key"]  # stdout stays one JSON document
    # A key without an address cannot be used: say so, and how to allow one.
    assert "warning: this key allows no address yet" in created.stderr
    assert f"reseller-api admin key allow-ip {api_key} IP_OR_CIDR" in created.stderr
    shared_deployment.admin("key", "allow-ip", api_key, "192.0.2.0/24")
    shared_deployment.admin("key", "deny-ip", api_key, "192.0.2.0/24")
    rotated = shared_deployment.admin_json("key", "rotate", api_key)
    shared_deployment.admin("key", "revoke", api_key)
    pack = shared_deployment.admin_json("servicepack", "create", unique("Audited pack"), "--asset", "dns=1")
    shared_deployment.admin("user", "create", "--reseller", reseller, "--email", f"{reseller}@example.com")

    mine = shared_deployment.admin_json("audit", "--reseller", reseller)
    assert [e["action"] for e in reversed(mine)] == [
        "create reseller",
        "create API key",
        "whitelist address",
        "remove whitelisted address",
        "rotate API key secret",
        "revoke API key",
        "create panel user",
    ]
    assert {(e["actor_kind"], e["actor"]) for e in mine} == {("operator", operator)}
    assert mine[-2]["detail"] == api_key
    assert "192.0.2.0/24 for " + api_key in [e["detail"] for e in mine]
    everything = shared_deployment.admin("audit", "--json", "--limit", "500").stdout
    assert rotated["api_secret"] not in everything
    [pack_entry] = [
        e
        for e in json.loads(everything)
        if e["action"] == "create servicepack" and e["detail"].startswith(f"{pack['id']} ")
    ]
    assert pack_entry["actor_kind"] == "operator"


def test_key_list_never_shortens_a_key(shared_deployment: Deployment) -> None:
    """Piped (as here) or in a narrow terminal, the key column is printed whole."""
    reseller = unique("wide")
    created = shared_deployment.admin_json(
        "key", "create", "--reseller", reseller, "--allow-ip", "127.0.0.1", "--allow-ip", "2001:db8::/32"
    )
    listing = shared_deployment.admin("key", "list", "--reseller", reseller)
    assert created["api_key"] in listing.stdout
    assert "…" not in listing.stdout
    narrow = shared_deployment.cli("admin", "key", "list", "--reseller", reseller, COLUMNS="40")
    assert created["api_key"] in narrow.stdout


def test_a_revoked_key_cannot_be_rotated_back_to_life(
    shared_deployment: Deployment, shared_server: Server
) -> None:
    created = shared_deployment.admin_json(
        "key", "create", "--reseller", unique("gone"), "--allow-ip", "127.0.0.1"
    )
    shared_deployment.admin("key", "revoke", created["api_key"])
    done = shared_deployment.cli("admin", "key", "rotate", created["api_key"], "--json")
    assert done.returncode != 0, done.stdout
    assert done.stdout == ""  # no new secret
    assert error_lines(done.stderr) == [
        f"reseller-api: error: The API key {created['api_key']!r} is revoked; create a new key instead."
    ]
    with shared_server.client(created["api_key"], created["api_secret"]) as client:
        assert error_code(client.get("/v2/servicepacks")) == "authorization_api_key_invalid"
    status = [
        k["status"] for k in shared_deployment.admin_json("key", "list") if k["api_key"] == created["api_key"]
    ]
    assert status == ["revoked"]


HOSTILE = "\x1b]0;pwned\x07\x1b[2J[bold red]forged[/bold red]\nreseller-api: error: fake\u202e"
# A whitelist entry as stored before scopes were refused (the column holds 64 characters).
HOSTILE_CIDR = "::1%\x1b]0;pwned\x07[bold red]forged[/bold red]\n\u202e/128"


def test_stored_values_are_printed_escaped(shared_deployment: Deployment) -> None:
    """Whatever the database holds (rows from before scopes were refused, audit details) cannot
    steer the operator's terminal: no escape sequence, no line break, no markup gets through."""
    reseller = unique("term")
    created = shared_deployment.admin_json("key", "create", "--reseller", reseller, "--allow-ip", "127.0.0.1")
    url = shared_deployment.database_url or f"sqlite:///{shared_deployment.data_dir / 'reseller-api.db'}"
    database = Database(normalise_database_url(url), pool_size=1)
    try:
        with database.transaction() as conn:
            key_id = conn.execute(
                select(api_keys.c.id).where(api_keys.c.key == created["api_key"])
            ).scalar_one()
            conn.execute(insert(api_key_networks).values(api_key_id=key_id, cidr=HOSTILE_CIDR))
            reseller_id = conn.execute(
                select(resellers.c.id).where(resellers.c.name == reseller)
            ).scalar_one()
        audit.record(
            database,
            reseller_id=reseller_id,
            actor_kind="api_key",
            actor=HOSTILE,
            action=HOSTILE,
            detail=HOSTILE,
        )
    finally:
        database.dispose()
    for args in (["key", "list", "--reseller", reseller], ["audit", "--reseller", reseller]):
        done = shared_deployment.cli("admin", *args, COLUMNS="400")
        assert done.returncode == 0, done.stderr
        for raw in ("\x1b", "\x07", "\u202e", "[bold red]forged[/bold red]\n"):
            assert raw not in done.stdout, (args, raw)
        assert "fake" not in "".join(
            line for line in done.stdout.splitlines() if line.startswith("reseller-api")
        )
        assert "[bold red]forged[/bold red]" in done.stdout, done.stdout  # shown, not interpreted
        assert "\\x1b]0;pwned" in done.stdout, done.stdout
        as_json = shared_deployment.cli("admin", *args, "--json").stdout
        stored = HOSTILE_CIDR if args[0] == "key" else HOSTILE
        assert json.dumps(stored)[1:-1] in as_json  # JSON escapes it all by itself
        assert "\x1b" not in as_json
