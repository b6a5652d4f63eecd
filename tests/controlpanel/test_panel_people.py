"""The control panel as resellers meet it: safe reloads, names, pages in words, audit filters.

In-process, over HTTP, like ``test_panel.py``; the browser test checks the same pages at
desktop and phone widths.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Callable

import pytest
from sqlalchemy import update

from reseller_api.credentials.service import CredentialsService
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from reseller_api.store.tables import panel_sessions
from tests.controlpanel.conftest import PASSWORD, Browser, make_user
from tests.controlpanel.test_panel import caller_for, create_key, shown_secret
from tests.harness import Caller

# -- defect 1: reloads and resubmissions never act twice ------------------------------------------


def test_reloading_the_secret_page_neither_shows_nor_rotates_again(
    alice: Browser, api: Caller, credentials: CredentialsService
) -> None:
    key, secret = create_key(alice, name="billing")
    reload = alice.get(f"/controlpanel/keys/{key}/secret")
    assert reload.status_code == 410
    assert secret not in reload.text
    assert "shown once" in reload.text
    assert caller_for(api, key, secret).get("/v2/servicepacks").status_code == 200

    alice.get(f"/controlpanel/keys/{key}")
    form_page = alice.last
    rotated = alice.submit(f"/controlpanel/keys/{key}/rotate")
    _, new_secret = shown_secret(alice, rotated)
    # The back button and "send again": the same form, with the same one-time token.
    alice.last = form_page
    again = alice.submit(f"/controlpanel/keys/{key}/rotate")
    assert again.status_code == 200
    assert "Already done" in again.text
    assert f'href="/controlpanel/keys/{key}"' in again.text
    assert caller_for(api, key, new_secret).get("/v2/servicepacks").status_code == 200
    assert alice.get(f"/controlpanel/keys/{key}/secret").status_code == 410


def test_a_create_form_sent_twice_creates_one_key(alice: Browser, credentials: CredentialsService) -> None:
    alice.get("/controlpanel/keys")
    form_page = alice.last
    first = alice.submit("/controlpanel/keys", {"name": "shop"})
    assert first.status_code == 303
    alice.last = form_page
    second = alice.submit("/controlpanel/keys", {"name": "shop"})
    assert "Already done" in second.text
    assert [k.name for k in credentials.list_keys("alice")] == ["shop"]
    # A refused form gives its token back: corrected, the same form works.
    alice.get("/controlpanel/keys")
    form_page = alice.last
    assert alice.submit("/controlpanel/keys", {"name": "x" * 65}).status_code == 400
    alice.last = form_page
    assert alice.submit("/controlpanel/keys", {"name": "ok"}).status_code == 303


# -- defect 4: the panel's own 404 -----------------------------------------------------------------


def test_unknown_panel_urls_get_the_panels_page(
    alice: Browser, browser_factory: Callable[..., Browser]
) -> None:
    for browser in (alice, browser_factory()):
        for method in ("GET", "POST"):
            response = browser.request(method, "/controlpanel/no/such/page")
            assert response.status_code in (404, 405), response.text
            assert response.headers["content-type"].startswith("text/html")
            assert "<h1>Not" in response.text
            assert response.headers["x-frame-options"] == "DENY"
    response = alice.get("/controlpanel/accounts/999999")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    # Outside the panel, the API's JSON stays.
    outside = alice.get("/nothing")
    assert outside.json()["error_code"] == "not_found"


# -- defect 5: a revoked key is read-only ----------------------------------------------------------


def test_a_revoked_key_is_shown_read_only_and_folded_away(alice: Browser) -> None:
    key, _ = create_key(alice, name="old")
    alice.get(f"/controlpanel/keys/{key}/revoke")
    assert alice.submit(f"/controlpanel/keys/{key}/revoke").status_code == 303
    page = alice.get(f"/controlpanel/keys/{key}")
    assert page.status_code == 200
    assert "revoked" in page.text
    assert "<form" not in page.text.split("</header>", 1)[1]
    for offered in ("Rotate", "Revoke key", "Whitelist", "/name"):
        assert offered not in page.text
    listing = alice.get("/controlpanel/keys").text
    folded = listing.split('<details class="revoked">', 1)
    assert len(folded) == 2
    assert "Revoked keys (1)" in folded[1]
    assert key in folded[1]
    assert key not in folded[0]


# -- defect 6: copy buttons, same password, expired sessions ----------------------------------------


def test_copy_buttons_wait_for_javascript(alice: Browser) -> None:
    key, _ = create_key(alice)
    page = alice.get(f"/controlpanel/keys/{key}")
    buttons = re.findall(r"<button[^>]*data-copy[^>]*>", page.text)
    assert buttons
    assert all(" hidden" in b for b in buttons)


def test_the_same_password_is_refused(alice: Browser) -> None:
    alice.get("/controlpanel/password")
    response = alice.submit(
        "/controlpanel/password", {"current": PASSWORD, "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 400
    assert "is the current one" in response.text


def test_a_form_sent_after_the_session_expired_returns_after_sign_in(
    alice: Browser, database: Database
) -> None:
    key, _ = create_key(alice)
    alice.get(f"/controlpanel/keys/{key}")
    with database.transaction() as conn:
        conn.execute(update(panel_sessions).values(expires_at=time.time() - 1))
    response = alice.submit(f"/controlpanel/keys/{key}/networks", {"network": "192.0.2.7"})
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/controlpanel/signin?")
    signin = alice.get(location)
    assert "Your session has ended" in signin.text
    assert f'name="next" value="/keys/{key}?notice=resend"' in signin.text
    back = alice.submit("/controlpanel/signin", {"email": "ops@alice.example", "password": PASSWORD,
                                                 "next": f"/keys/{key}?notice=resend"})  # fmt: skip
    assert back.headers["location"] == f"/controlpanel/keys/{key}?notice=resend"
    page = alice.get(back.headers["location"])
    assert "was not acted on" in page.text
    assert "192.0.2.7" not in page.text  # nothing was done behind the user's back
    # A page opened with an ended session comes back after sign-in too; other sites never do.
    with database.transaction() as conn:
        conn.execute(update(panel_sessions).values(expires_at=time.time() - 1))
    assert "next=%2Faudit%3Faction%3Dkeys" in alice.get("/controlpanel/audit?action=keys").headers["location"]
    alice.get("/controlpanel/signin")
    evil = alice.submit(
        "/controlpanel/signin",
        {"email": "ops@alice.example", "password": PASSWORD, "next": "//evil.example/"},
    )
    assert evil.headers["location"] == "/controlpanel/"


# -- improvements: names, last use, idle, whitelist care -------------------------------------------


def test_key_names_notes_last_use_and_idle(
    alice: Browser, api: Caller, credentials: CredentialsService
) -> None:
    key, secret = create_key(alice, name="billing", note="the invoicing robot")
    listing = alice.get("/controlpanel/keys").text
    assert "billing" in listing
    assert "the invoicing robot" in listing
    assert f"{key[:8]}…{key[-4:]}" in listing  # shortened in lists...
    assert f">{key}<" not in listing
    assert f">{key}<" in alice.get(f"/controlpanel/keys/{key}").text  # ...whole on its own page
    assert "idle" in alice.get("/controlpanel/").text
    assert caller_for(api, key, secret).get("/v2/servicepacks").status_code == 200
    [info] = [k for k in credentials.list_keys("alice") if k.api_key == key]
    assert info.last_used_address == "127.0.0.1"
    assert 'from <code class="token">127.0.0.1</code>' in alice.get("/controlpanel/keys").text
    alice.get(f"/controlpanel/keys/{key}")
    renamed = alice.submit(f"/controlpanel/keys/{key}/name", {"name": "invoices", "note": ""})
    assert renamed.status_code == 303
    assert [k.name for k in credentials.list_keys("alice") if k.api_key == key] == ["invoices"]
    audit = alice.get("/controlpanel/audit").text
    assert "Created key &#39;invoices&#39;" in audit
    assert "Renamed key &#39;invoices&#39;" in audit


def test_removing_the_last_address_asks_first_and_host_bits_are_explained(
    alice: Browser, credentials: CredentialsService
) -> None:
    key, _ = create_key(alice)
    alice.get(f"/controlpanel/keys/{key}")
    added = alice.submit(f"/controlpanel/keys/{key}/networks", {"network": "10.1.2.3/8"})
    shown = alice.get(added.headers["location"]).text
    assert "10.1.2.3/8 has host bits set: the whitelist holds the network 10.0.0.0/8." in shown
    alice.submit(f"/controlpanel/keys/{key}/networks/remove", {"network": "10.0.0.0/8"})
    alice.get(f"/controlpanel/keys/{key}")
    ask = alice.submit(f"/controlpanel/keys/{key}/networks/remove", {"network": "127.0.0.1/32"})
    assert ask.status_code == 200
    assert "Remove the last address?" in ask.text
    assert credentials.list_keys("alice")[0].networks == ("127.0.0.1/32",)
    confirmed = alice.submit(
        f"/controlpanel/keys/{key}/networks/remove", {"network": "127.0.0.1/32", "confirm": "yes"}
    )
    assert confirmed.status_code == 303
    assert credentials.list_keys("alice")[0].networks == ()


def test_the_new_secret_comes_with_docs_and_a_configure_command(alice: Browser) -> None:
    alice.get("/controlpanel/keys")
    response = alice.submit("/controlpanel/keys", {"allow_current": "yes"})
    page = alice.get(response.headers["location"]).text
    key = re.search(r'id="api-key">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    assert f"resellerctl configure --url http://testserver.local --api-key {key}" in page
    assert 'href="/v2/documentation#section/Authentication"' in page


# -- improvements: accounts and jobs for people ---------------------------------------------------


def test_accounts_have_read_only_pages(alice: Browser, api: Caller, other_api: Caller) -> None:
    key, secret = create_key(alice)
    caller = caller_for(api, key, secret)
    ordered = caller.post(
        "/v2/accounts", {"identifier": "shop.be", "servicepack_id": 1, "ftp_password": "Secret123x"}
    )
    assert caller.wait_job(ordered.headers["location"]).status_code == 201
    account_id = caller.get("/v2/accounts").json()[0]["id"]
    assert (
        caller.post(
            "/v2/dns/shop.be/records", {"type": "TXT", "record_name": "", "content": "hello-page"}
        ).status_code
        == 201
    )
    mailbox = {"email_address": "info@shop.be", "account_id": account_id, "password": "Mailbox123x"}
    assert caller.post("/v2/mailboxes", mailbox).status_code == 201
    database = caller.post(
        "/v2/mysqldatabases", {"database_name": "web", "account_id": account_id, "password": "Database123x"}
    )
    assert caller.wait_job(database.headers["location"]).status_code == 201
    listing = alice.get("/controlpanel/accounts").text
    assert f'<a href="/controlpanel/accounts/{account_id}">shop.be</a>' in listing
    page = alice.get(f"/controlpanel/accounts/{account_id}").text
    for shown in ("Linux hosting Starter", "1 Linux hosting of", "hello-page", "info@shop.be",
                  f"id{account_id}_web", "New account", "New MySQL database",
                  "8.3, memory limit 128 MB"):  # fmt: skip
        assert shown in page, shown
    assert "<form" not in page.split("</header>", 1)[1]
    # Another reseller's account does not exist for alice.
    bob_order = other_api.post("/v2/accounts", {"identifier": "bob.be", "servicepack_id": 4})
    other_api.wait_job(bob_order.headers["location"])
    bob_id = other_api.get("/v2/accounts").json()[0]["id"]
    assert alice.get(f"/controlpanel/accounts/{bob_id}").status_code == 404


# -- improvements: the audit log for people ------------------------------------------------------


def test_audit_in_words_with_filters_csv_and_failed_sign_ins(
    alice: Browser,
    api: Caller,
    database: Database,
    credentials: CredentialsService,
    browser_factory: Callable[..., Browser],
) -> None:
    key, secret = create_key(alice, name="billing")
    caller = caller_for(api, key, secret)
    ordered = caller.post(
        "/v2/accounts", {"identifier": "shop.be", "servicepack_id": 1, "ftp_password": "Secret123x"}
    )
    assert caller.wait_job(ordered.headers["location"]).status_code == 201
    alice.get(f"/controlpanel/keys/{key}")
    shown_secret(alice, alice.submit(f"/controlpanel/keys/{key}/rotate"))
    browser_factory("192.0.2.99").sign_in("ops@alice.example", "not the password")
    make_user(database, credentials, "bob", "ops@bob.example")
    browser_factory("192.0.2.98").sign_in("ops@bob.example", "not the password either")

    page = alice.get("/controlpanel/audit").text
    sentences = ["Ordered account shop.be", "Rotated key &#39;billing&#39;", "Created key &#39;billing&#39;"]
    for sentence in [*sentences, "Failed to sign in", "API key &#39;billing&#39;"]:
        assert sentence in page, sentence
    assert "POST /v2/accounts" in page  # the raw request, on demand
    assert "192.0.2.99" in page
    assert "ops@bob.example" not in page  # bob's failure is bob's
    assert secret not in page

    def summaries(query: str) -> list[str]:
        text = alice.get(f"/controlpanel/audit?{query}").text
        return [
            re.sub(r"\s+", " ", s).strip() for s in re.findall(r'data-label="What">(.*?)<details', text, re.S)
        ]

    assert summaries("action=failed") == ["Failed to sign in"]
    assert summaries(f"key={key}") == ["Rotated key &#39;billing&#39;", "Ordered account shop.be",
                                       "Created key &#39;billing&#39;, whitelisted 127.0.0.1"]  # fmt: skip
    assert all("billing" not in s for s in summaries("actor=ops@alice.example&action=signin"))
    assert summaries("from=2000-01-01&to=2000-01-02") == []
    assert alice.get("/controlpanel/audit?from=yesterday").status_code == 400

    exported = alice.get(f"/controlpanel/audit.csv?key={key}")
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["summary"] for r in rows] == [
        "Rotated key 'billing'",
        "Ordered account shop.be",
        "Created key 'billing', whitelisted 127.0.0.1",
    ]
    assert secret not in exported.text


def test_admin_key_names_in_the_list_and_the_audit(
    database: Database, settings: Settings, capsys: pytest.CaptureFixture[str], alice: Browser
) -> None:
    """``reseller-api admin key create --name``, ``key rename``, ``key list`` and ``audit`` (in-process)."""
    from reseller_api.cli import admin
    from reseller_api.cli.main import build_parser
    from reseller_api.crypto import SecretBox

    box = SecretBox.from_settings(settings)

    def run(*argv: str) -> str:
        assert admin.run(build_parser().parse_args(["admin", *argv]), settings, database, box) == 0
        return capsys.readouterr().out

    created = json.loads(
        run("key", "create", "--reseller", "alice", "--name", "billing", "--note", "robot", "--json")
    )
    listed = {k["api_key"]: k for k in json.loads(run("key", "list", "--reseller", "alice", "--json"))}
    assert (listed[created["api_key"]]["name"], listed[created["api_key"]]["note"]) == ("billing", "robot")
    assert "billing" in run("key", "list", "--reseller", "alice")
    run("key", "rename", created["api_key"], "invoices")
    assert "invoices" in run("key", "list", "--reseller", "alice")
    alice.get(f"/controlpanel/keys/{created['api_key']}")
    shown_secret(alice, alice.submit(f"/controlpanel/keys/{created['api_key']}/rotate"))
    from reseller_api.cli import controlpanel as panel_cli

    assert (
        panel_cli.run(
            build_parser().parse_args(["admin", "audit", "--reseller", "alice", "--json"]), database
        )
        == 0
    )
    entries = json.loads(capsys.readouterr().out)
    assert entries[0]["summary"] == "Rotated key 'invoices'"
