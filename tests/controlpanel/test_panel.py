"""The control panel over HTTP, in-process: sign-in, keys, whitelists, CSRF, isolation, lockout, audit."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import select, update

from reseller_api.controlpanel import users
from reseller_api.credentials.service import CredentialsService
from reseller_api.store.database import Database
from reseller_api.store.tables import audit_log, panel_sessions, panel_users
from tests.api.test_sslcertificates import make_csr
from tests.controlpanel.conftest import PASSWORD, Browser, make_user
from tests.harness import Caller, ClientAddress  # noqa: F401 - documents where the address comes from

SECRET = re.compile(r'<code class="token whole" id="api-secret">([^<]+)</code>')
KEY = re.compile(r'<code class="token whole" id="api-key">([^<]+)</code>')


def shown_secret(browser: Browser, response: httpx.Response) -> tuple[str, str]:
    """Follow a create's or rotate's redirect to the page that shows the secret once."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.endswith("/secret"), location
    page = browser.get(location)
    assert page.status_code == 200, page.text
    return KEY.search(page.text).group(1), SECRET.search(page.text).group(1)  # type: ignore[union-attr]


def create_key(browser: Browser, allow_current: bool = True, **fields: str) -> tuple[str, str]:
    browser.get("/controlpanel/keys")
    response = browser.submit(
        "/controlpanel/keys", ({"allow_current": "yes"} if allow_current else {}) | fields
    )
    return shown_secret(browser, response)


def caller_for(api: Caller, key: str, secret: str) -> Caller:
    return Caller(api.client, key, secret)


# -- pages and sessions --------------------------------------------------------------------


def test_pages_need_a_session(browser_factory: Callable[..., Browser]) -> None:
    browser = browser_factory()
    for path in ("/controlpanel/", "/controlpanel/keys", "/controlpanel/audit", "/controlpanel/password"):
        response = browser.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/controlpanel/signin")


def test_signin_page_sets_csrf_cookie_and_safety_headers(browser_factory: Callable[..., Browser]) -> None:
    browser = browser_factory()
    response = browser.get("/controlpanel/signin")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    cookie = response.headers["set-cookie"]
    assert "reseller_panel_csrf=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert browser.csrf() == browser.cookies["reseller_panel_csrf"]


def test_static_files_are_served_locally(browser_factory: Callable[..., Browser]) -> None:
    browser = browser_factory()
    assert browser.get("/controlpanel/static/panel.css").status_code == 200
    assert "clipboard" in browser.get("/controlpanel/static/panel.js").text


def test_panel_is_not_in_the_api_document(browser_factory: Callable[..., Browser]) -> None:
    document = browser_factory().get("/v2/openapi.json").json()
    assert not [p for p in document["paths"] if p.startswith("/controlpanel")]


def test_sign_in_renews_the_session_and_sets_safe_cookie(
    database: Database, credentials: CredentialsService, browser_factory: Callable[..., Browser]
) -> None:
    make_user(database, credentials, "alice", "ops@alice.example")
    browser = browser_factory()
    assert browser.sign_in("ops@alice.example").status_code == 303
    set_cookie = browser.last.headers["set-cookie"]  # type: ignore[union-attr]
    assert "reseller_panel_session=" in set_cookie
    assert "HttpOnly" in set_cookie
    assert "Path=/controlpanel" in set_cookie
    assert "samesite=lax" in set_cookie.lower()
    assert "Secure" not in set_cookie
    first = browser.cookies["reseller_panel_session"]
    assert browser.get("/controlpanel/signin").status_code == 303  # signed in already
    again = browser.submit(
        "/controlpanel/signin",
        {"email": "ops@alice.example", "password": PASSWORD},
        csrf=browser.cookies["reseller_panel_csrf"],
    )
    assert again.status_code == 303
    second = browser.cookies["reseller_panel_session"]
    assert first != second
    # The old session id is dead: a planted or stolen pre-sign-in id is worth nothing.
    stale = browser_factory()
    stale.cookies["reseller_panel_session"] = first
    assert stale.get("/controlpanel/").status_code == 303
    assert browser.get("/controlpanel/").status_code == 200
    with database.engine.connect() as conn:
        stored = [r[0] for r in conn.execute(select(panel_sessions.c.id))]
    assert second not in stored  # only its hash is stored


def test_session_cookie_is_secure_over_https(
    database: Database, credentials: CredentialsService, browser_factory: Callable[..., Browser]
) -> None:
    make_user(database, credentials, "alice", "ops@alice.example")
    browser = browser_factory(scheme="https")
    assert browser.sign_in("ops@alice.example").status_code == 303
    assert "Secure" in browser.last.headers["set-cookie"]  # type: ignore[union-attr]


def test_wrong_password_and_unknown_user_look_the_same(
    database: Database, credentials: CredentialsService, browser_factory: Callable[..., Browser]
) -> None:
    make_user(database, credentials, "alice", "ops@alice.example")
    browser = browser_factory()
    wrong = browser.sign_in("ops@alice.example", "not the password")
    unknown = browser.sign_in("nobody@alice.example", "not the password")
    assert wrong.status_code == unknown.status_code == 400
    assert "Wrong e-mail address or password." in wrong.text
    assert "reseller_panel_session" not in browser.cookies


def test_sign_out_ends_the_session(alice: Browser) -> None:
    alice.get("/controlpanel/")
    token = alice.cookies["reseller_panel_session"]
    response = alice.submit("/controlpanel/signout")
    assert response.status_code == 303
    assert "reseller_panel_session" not in alice.cookies
    alice.cookies["reseller_panel_session"] = token
    assert alice.get("/controlpanel/").status_code == 303


# -- set-password link and change password ----------------------------------------------------


def test_set_password_link_works_once(
    database: Database, credentials: CredentialsService, browser_factory: Callable[..., Browser]
) -> None:
    credentials.create_reseller("alice")
    _, token = users.create_user(database, "alice", "Ops@Alice.example")
    browser = browser_factory()
    form = browser.get(f"/controlpanel/set-password?token={token}")
    assert form.status_code == 200
    assert "ops@alice.example" in form.text
    assert browser.get("/controlpanel/set-password?token=forged").status_code == 400
    browser.get(f"/controlpanel/set-password?token={token}")
    short = browser.submit(
        "/controlpanel/set-password", {"token": token, "password": "short", "confirm": "short"}
    )
    assert short.status_code == 400
    assert "12 to 128 characters" in short.text
    browser.get(f"/controlpanel/set-password?token={token}")
    differ = browser.submit(
        "/controlpanel/set-password", {"token": token, "password": PASSWORD, "confirm": "x" * 13}
    )
    assert differ.status_code == 400
    assert "differ" in differ.text
    browser.get(f"/controlpanel/set-password?token={token}")
    done = browser.submit(
        "/controlpanel/set-password", {"token": token, "password": PASSWORD, "confirm": PASSWORD}
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/controlpanel/signin?notice=created"
    again = browser.submit(
        "/controlpanel/set-password",
        {"token": token, "password": PASSWORD, "confirm": PASSWORD},
        csrf=browser.cookies["reseller_panel_csrf"],
    )

    assert again.status_code == 400
    with database.engine.connect() as conn:
        row = conn.execute(select(panel_users.c.password_hash, panel_users.c.password_token_hash)).one()
    assert row[0].startswith("$argon2id$")
    assert PASSWORD not in row[0]
    assert row[1] is None
    assert browser.sign_in("ops@alice.example").status_code == 303


def test_expired_set_password_link_is_refused(
    database: Database, credentials: CredentialsService, browser_factory: Callable[..., Browser]
) -> None:
    credentials.create_reseller("alice")
    _, token = users.create_user(database, "alice", "ops@alice.example")
    with database.transaction() as conn:
        conn.execute(update(panel_users).values(password_token_expires_at=1.0))
    assert browser_factory().get(f"/controlpanel/set-password?token={token}").status_code == 400


def test_change_password(alice: Browser, browser_factory: Callable[..., Browser]) -> None:
    other = browser_factory()
    assert other.sign_in("ops@alice.example").status_code == 303
    alice.get("/controlpanel/password")
    wrong = alice.submit(
        "/controlpanel/password",
        {"current": "nope", "password": "a new passphrase", "confirm": "a new passphrase"},
    )
    assert wrong.status_code == 400
    assert "current password is wrong" in wrong.text
    done = alice.submit(
        "/controlpanel/password",
        {"current": PASSWORD, "password": "a new passphrase", "confirm": "a new passphrase"},
    )
    assert done.status_code == 303
    assert alice.get("/controlpanel/").status_code == 200  # this session goes on
    assert other.get("/controlpanel/").status_code == 303  # every other session ended
    assert browser_factory().sign_in("ops@alice.example", PASSWORD).status_code == 400
    assert browser_factory().sign_in("ops@alice.example", "a new passphrase").status_code == 303


# -- keys ------------------------------------------------------------------------------------


def test_create_use_rotate_revoke_a_key(alice: Browser, api: Caller) -> None:
    key, secret = create_key(alice)
    assert alice.last is not None
    assert "shown on this page only" in alice.last.text
    caller = caller_for(api, key, secret)
    assert caller.get("/v2/servicepacks").status_code == 200

    listing = alice.get("/controlpanel/keys")
    assert key in listing.text
    assert secret not in listing.text
    assert "127.0.0.1/32" in listing.text
    detail = alice.get(f"/controlpanel/keys/{key}")
    assert detail.status_code == 200
    assert secret not in detail.text

    _, new_secret = shown_secret(alice, alice.submit(f"/controlpanel/keys/{key}/rotate"))
    assert new_secret != secret
    refused = caller.get("/v2/servicepacks")
    assert refused.status_code == 401
    assert refused.json()["error_code"] == "authorization_hmac_invalid"
    assert caller_for(api, key, new_secret).get("/v2/servicepacks").status_code == 200

    confirm = alice.get(f"/controlpanel/keys/{key}/revoke")
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.text
    revoked = alice.submit(f"/controlpanel/keys/{key}/revoke")
    assert revoked.status_code == 303
    gone = caller_for(api, key, new_secret).get("/v2/servicepacks")
    assert gone.status_code == 401
    assert gone.json()["error_code"] == "authorization_api_key_invalid"
    assert "revoked" in alice.get("/controlpanel/keys").text
    # A revoked key cannot be rotated back to life.
    alice.get("/controlpanel/keys")
    assert alice.submit(f"/controlpanel/keys/{key}/rotate").status_code == 400


def test_key_without_whitelist_cannot_be_used(alice: Browser, api: Caller) -> None:
    key, secret = create_key(alice, allow_current=False)
    refused = caller_for(api, key, secret).get("/v2/servicepacks")
    assert refused.status_code == 401
    assert refused.json()["error_code"] == "authorization_ip_not_whitelisted"
    assert "no access" in alice.get("/controlpanel/keys").text


def test_whitelist_add_and_remove(alice: Browser, api: Caller) -> None:
    key, secret = create_key(alice, allow_current=False)
    page = alice.get(f"/controlpanel/keys/{key}")
    assert 'You are connecting from <code class="token">127.0.0.1</code>' in page.text
    for network, stored in (
        ("127.0.0.1", "127.0.0.1/32"),
        ("10.1.2.3/8", "10.0.0.0/8"),
        ("2001:DB8::/48", "2001:db8::/48"),
        ("::1", "::1/128"),
    ):
        alice.get(f"/controlpanel/keys/{key}")
        response = alice.submit(f"/controlpanel/keys/{key}/networks", {"network": network})
        assert response.status_code == 303, response.text
        assert stored in alice.get(f"/controlpanel/keys/{key}").text
    assert caller_for(api, key, secret).get("/v2/servicepacks").status_code == 200
    for bad in ("300.1.1.1", "example.com", "10.0.0.0/33", ""):
        alice.get(f"/controlpanel/keys/{key}")
        response = alice.submit(f"/controlpanel/keys/{key}/networks", {"network": bad})
        assert response.status_code == 400, bad
        assert "not an IPv4 or IPv6 address or CIDR" in response.text
    alice.get(f"/controlpanel/keys/{key}")
    removed = alice.submit(f"/controlpanel/keys/{key}/networks/remove", {"network": "127.0.0.1/32"})
    assert removed.status_code == 303
    assert "127.0.0.1/32" not in alice.get(f"/controlpanel/keys/{key}").text
    refused = caller_for(api, key, secret).get("/v2/servicepacks")
    assert refused.json()["error_code"] == "authorization_ip_not_whitelisted"
    alice.get(f"/controlpanel/keys/{key}")
    assert (
        alice.submit(f"/controlpanel/keys/{key}/networks/remove", {"network": "192.0.2.1"}).status_code == 404
    )


# -- CSRF, isolation, lockout -------------------------------------------------------------------


def test_forms_without_the_csrf_token_are_refused(alice: Browser, credentials: CredentialsService) -> None:
    alice.get("/controlpanel/keys")
    for token in ("", "forged-token"):
        response = alice.submit("/controlpanel/keys", {"allow_current": "yes"}, csrf=token)
        assert response.status_code == 403
        assert "Form expired" in response.text
    assert credentials.list_keys("alice") == []
    key, _ = create_key(alice)
    assert alice.submit(f"/controlpanel/keys/{key}/revoke", csrf="x").status_code == 403
    assert alice.submit(f"/controlpanel/keys/{key}/rotate", csrf="").status_code == 403
    assert (
        alice.submit(f"/controlpanel/keys/{key}/networks", {"network": "10.0.0.1"}, csrf="").status_code
        == 403
    )
    assert alice.submit("/controlpanel/signout", csrf="").status_code == 403
    assert not credentials.list_keys("alice")[0].revoked
    assert alice.get("/controlpanel/").status_code == 200


def test_signin_without_the_csrf_cookie_is_refused(
    database: Database, credentials: CredentialsService, browser_factory: Callable[..., Browser]
) -> None:
    make_user(database, credentials, "alice", "ops@alice.example")
    browser = browser_factory()
    browser.get("/controlpanel/signin")
    token = browser.csrf()
    browser.cookies.clear()  # a cross-site form post: it cannot carry our cookie
    response = browser.submit(
        "/controlpanel/signin", {"email": "ops@alice.example", "password": PASSWORD}, csrf=token
    )
    assert response.status_code == 403
    assert "reseller_panel_session" not in browser.cookies


def test_another_resellers_key_is_not_found(
    alice: Browser, credentials: CredentialsService, other_api: Caller
) -> None:
    bob_key = other_api.api_key
    assert alice.get(f"/controlpanel/keys/{bob_key}").status_code == 404
    assert alice.get(f"/controlpanel/keys/{bob_key}/revoke").status_code == 404
    alice.get("/controlpanel/keys")
    token = alice.csrf()
    for path, fields in (
        (f"/controlpanel/keys/{bob_key}/rotate", {}),
        (f"/controlpanel/keys/{bob_key}/revoke", {}),
        (f"/controlpanel/keys/{bob_key}/networks", {"network": "10.0.0.1"}),
        (f"/controlpanel/keys/{bob_key}/networks/remove", {"network": "127.0.0.1"}),
    ):
        assert alice.submit(path, fields, csrf=token).status_code == 404, path
    assert other_api.get("/v2/servicepacks").status_code == 200  # bob's secret unchanged, key alive
    listing = alice.get("/controlpanel/keys").text
    assert bob_key not in listing
    assert bob_key not in alice.get("/controlpanel/").text
    assert bob_key not in alice.get("/controlpanel/audit").text


def test_repeated_wrong_passwords_lock_the_user(
    database: Database, credentials: CredentialsService, browser_factory: Callable[..., Browser]
) -> None:
    make_user(database, credentials, "alice", "ops@alice.example")
    make_user(database, credentials, "alice", "dev@alice.example")
    browser = browser_factory("192.0.2.10")
    for _ in range(5):
        assert browser.sign_in("ops@alice.example", "guess").status_code == 400
    locked = browser.sign_in("ops@alice.example", PASSWORD)  # even the right password
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.text
    assert "reseller_panel_session" not in browser.cookies
    assert browser_factory("198.51.100.1").sign_in("ops@alice.example").status_code == 429
    assert browser.sign_in("dev@alice.example").status_code == 303  # other users are not locked out


def test_repeated_failures_lock_the_address(
    database: Database, credentials: CredentialsService, browser_factory: Callable[..., Browser]
) -> None:
    make_user(database, credentials, "alice", "ops@alice.example")
    browser = browser_factory("192.0.2.20")
    for n in range(20):
        assert browser.sign_in(f"guess{n}@alice.example", "guess").status_code == 400
    assert browser.sign_in("ops@alice.example").status_code == 429
    assert browser_factory("192.0.2.21").sign_in("ops@alice.example").status_code == 303


# -- overview and audit ---------------------------------------------------------------------------


def test_overview_shows_accounts_jobs_and_usage(alice: Browser, api: Caller) -> None:
    key, secret = create_key(alice)
    caller = caller_for(api, key, secret)
    order = {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x"}
    response = caller.post("/v2/accounts", order)
    assert response.status_code == 202
    job_id = response.headers["location"].rsplit("/", 1)[1]
    assert caller.wait_job(response.headers["location"]).status_code == 201
    page = alice.get("/controlpanel/").text
    assert "example.com" in page
    assert "Linux hosting Starter" in page
    assert "1 Linux hosting of " in page  # assets in words, not linux_hosting=1
    assert job_id in page
    assert "finished" in page
    # The job says what it is about and links to the account it made.
    account_id = caller.get("/v2/accounts").json()[0]["id"]
    assert re.search(
        rf'New account.*?<a href="/controlpanel/accounts/{account_id}">example.com</a>', page, re.S
    )
    # Two requests in this window (the order and the poll at least), against the default limit.
    assert re.search(rf"{key}.*?(\d+) / 1000/minute", page, re.S)


def test_overview_shows_certificates_with_their_expiry(alice: Browser, api: Caller) -> None:
    key, secret = create_key(alice)
    caller = caller_for(api, key, secret)
    assert "No SSL certificates yet." in alice.get("/controlpanel/").text
    order = {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x"}
    assert caller.wait_job(caller.post("/v2/accounts", order).headers["location"]).status_code == 201
    ordered = caller.post(
        "/v2/sslcertificaterequests",
        {
            "csr": make_csr("example.com"),
            "certificate_type": "standard",
            "validation_level": "domain_validated",
        },
    )
    assert ordered.status_code == 201, ordered.text
    for _ in range(200):
        issued = caller.get(ordered.headers["location"])
        if issued.status_code == 303:
            break
        time.sleep(0.05)
    fingerprint = issued.headers["location"].rsplit("/", 1)[1]
    expires = caller.get(issued.headers["location"]).json()["expires_after"]
    page = alice.get("/controlpanel/").text
    assert fingerprint in page
    assert re.search(r"example\.com</td>.*?in 39[67] days", page, re.S)
    assert expires[:10] in page
    assert "SSL certificate" in page  # the issuing job, in words


def test_audit_records_panel_and_api_changes_without_secrets(
    alice: Browser, api: Caller, database: Database
) -> None:
    key, secret = create_key(alice)
    caller = caller_for(api, key, secret)
    response = caller.post(
        "/v2/accounts", {"identifier": "example.com", "servicepack_id": 1, "ftp_password": "Secret123x"}
    )
    assert response.status_code == 202
    caller.get("/v2/accounts")  # reads are not audited
    caller.post("/v2/accounts", {"identifier": "bad name", "servicepack_id": 1})  # nor refusals
    alice.get(f"/controlpanel/keys/{key}")
    _, new_secret = shown_secret(alice, alice.submit(f"/controlpanel/keys/{key}/rotate"))
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(
                audit_log.c.actor_kind,
                audit_log.c.actor,
                audit_log.c.action,
                audit_log.c.detail,
                audit_log.c.address,
            ).order_by(audit_log.c.id)
        ).all()
    actions = [(r[0], r[2]) for r in rows]
    assert actions == [
        ("user", "sign in"),
        ("user", "create API key"),
        ("api_key", "POST /v2/accounts"),
        ("user", "rotate API key secret"),
    ]
    api_row = rows[2]
    assert api_row[1] == key
    assert api_row[3].startswith("202 /v2/provisioningjobs/")
    assert api_row[4] == "127.0.0.1"
    everything = " ".join(str(v) for r in rows for v in r)
    for leaked in (secret, new_secret, "Secret123x", PASSWORD):
        assert leaked not in everything
    page = alice.get("/controlpanel/audit").text
    assert "POST /v2/accounts" in page
    assert "rotate API key secret" in page
    assert "ops@alice.example" in page
    assert secret not in page
    assert new_secret not in page
    assert alice.get("/controlpanel/audit?page=0").status_code == 400
    last_used = alice.get("/controlpanel/keys").text
    assert "never" not in last_used.split(key, 1)[1].split("</tr>", 1)[0]


def test_admin_cli_creates_users_and_shows_the_audit(
    database: Database,
    credentials: CredentialsService,
    capsys: pytest.CaptureFixture[str],
    browser_factory: Callable[..., Browser],
) -> None:
    """The admin commands on the test database (the same parser and code ``reseller-api admin`` runs)."""
    import json

    from reseller_api.cli import controlpanel as panel_cli
    from reseller_api.cli.main import build_parser
    from reseller_api.errors import ApiProblem

    def main(argv: list[str]) -> int:
        try:
            return panel_cli.run(build_parser().parse_args(argv), database)
        except ApiProblem as problem:
            print(problem.text, file=sys.stderr)
            return 1

    credentials.create_reseller("alice")
    assert (
        main(["admin", "user", "create", "--reseller", "alice", "--email", "ops@alice.example", "--json"])
        == 0
    )
    created = json.loads(capsys.readouterr().out)
    assert created["email"] == "ops@alice.example"
    link = created["set_password_link"]
    assert link.startswith("http://127.0.0.1:8000/controlpanel/set-password?token=")
    assert main(["admin", "user", "create", "--reseller", "alice", "--email", "ops@alice.example"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["admin", "user", "create", "--reseller", "nobody", "--email", "x@y.example"]) == 1
    assert main(["admin", "user", "create", "--reseller", "alice", "--email", "not-an-email"]) == 1
    capsys.readouterr()
    browser = browser_factory()
    path = link.split("127.0.0.1:8000", 1)[1]
    browser.get(path)
    token = path.split("token=", 1)[1]
    assert (
        browser.submit(
            "/controlpanel/set-password", {"token": token, "password": PASSWORD, "confirm": PASSWORD}
        ).status_code
        == 303
    )
    assert main(["admin", "user", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["password_set"] is True
    assert main(["admin", "audit", "--reseller", "alice", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["action"] for e in entries] == ["set password", "create panel user"]
    assert token not in json.dumps(entries)


def test_migration_creates_exactly_the_panel_tables(database: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from reseller_api.resources import registry

    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), registry.schema())
    assert [d for d in diff if any(n in str(d) for n in ("panel_", "audit_log"))] == []
