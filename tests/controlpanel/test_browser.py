"""The control panel in headless Chromium against a real ``reseller-api serve``; screenshots for docs/.

Debian's ``chromium`` is driven by Playwright through ``executable_path``: no browser is
ever downloaded. Each page is photographed, with the secret masked, into a temporary
folder; ``SCREENSHOTS_DIR=docs make test`` refreshes ``docs/controlpanel-*.png`` (the
README shows them) without every ordinary test run rewriting tracked files.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reseller_api.client.signing import authorization_header
from tests.harness import DatabaseFactory
from tests.integration.conftest import Deployment, Server, _prepare

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS_DIR = Path(__file__).resolve().parents[2] / "docs"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "a long browser passphrase"

pytestmark = [
    pytest.mark.integration,
    # Skipped on a developer machine without Chromium; in CI (.ci/run installs it) a missing
    # browser must fail the run, not hide the test.
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed"
    ),
]


@pytest.fixture
def server(tmp_path: Path, db_factory: DatabaseFactory) -> Iterator[tuple[Deployment, Server]]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    deployment = _prepare(db_factory, data_dir)
    running = Server(deployment, "panel")
    try:
        running.wait_ready()
        yield deployment, running
    finally:
        running.stop()


def signed(
    server: Server, key: str, secret: str, method: str, target: str, body: object = None
) -> httpx.Response:
    content = b"" if body is None else json.dumps(body).encode()
    headers = {"Authorization": authorization_header(key, secret, method, target, content)}
    if content:
        headers["Content-Type"] = "application/json"
    return httpx.request(method, server.base_url + target, content=content, headers=headers, trust_env=False)


def test_reseller_manages_keys_in_the_browser(server: tuple[Deployment, Server], tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    wanted = os.environ.get("SCREENSHOTS_DIR")
    shots = (DOCS_DIR.parent / wanted) if wanted else tmp_path / "screenshots"
    deployment, running = server
    deployment.admin("reseller", "create", "acme")
    created = deployment.admin_json(
        "user", "create", "--reseller", "acme", "--email", "ops@acme.example", "--base-url", running.base_url
    )
    shots.mkdir(parents=True, exist_ok=True)

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1200, "height": 760})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=running.base_url)
        page = context.new_page()

        def shot(name: str, *masks: str) -> None:
            page.screenshot(
                path=str(shots / f"controlpanel-{name}.png"),
                full_page=True,
                mask=[page.locator(m) for m in masks],
            )

        # The operator's one-time link: choose a password.
        page.goto(created["set_password_link"])
        shot("set-password")
        page.fill("input[name=password]", PASSWORD)
        page.fill("input[name=confirm]", PASSWORD)
        page.click("button[type=submit]")
        assert "Your password is set" in page.content()

        # Sign in.
        page.fill("input[name=email]", "ops@acme.example")
        page.fill("input[name=password]", PASSWORD)
        shot("signin", "input[name=password]")
        page.click("button[type=submit]")
        assert page.url.endswith("/controlpanel/")

        # Create a key without whitelisting, copy its secret with the copy button.
        page.click("text=API keys")
        page.uncheck("input[name=allow_current]")
        page.click("text=Create API key")
        api_key = page.inner_text("#api-key")
        secret = page.inner_text("#api-secret")
        page.click("button[data-copy=api-secret]")
        assert page.evaluate("navigator.clipboard.readText()") == secret
        assert page.inner_text("button[data-copy=api-secret]") == "Copied"
        shot("secret", "#api-secret")
        refused = signed(running, api_key, secret, "GET", "/v2/servicepacks")
        assert refused.json()["error_code"] == "authorization_ip_not_whitelisted"

        # Whitelist 127.0.0.1, then the key works for a signed API call.
        page.click("text=I have saved it")
        page.fill("input[name=network]", "127.0.0.1")
        page.click("button:has-text('Whitelist')")
        assert "127.0.0.1/32" in page.content()
        assert signed(running, api_key, secret, "GET", "/v2/servicepacks").status_code == 200
        order = {"identifier": "acme.example", "servicepack_id": 1, "ftp_password": "Secret123x"}
        accepted = signed(running, api_key, secret, "POST", "/v2/accounts", order)
        assert accepted.status_code == 202
        deadline = time.monotonic() + 15
        while signed(running, api_key, secret, "GET", accepted.headers["location"]).status_code == 200:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        page.reload()
        shot("key")

        # Rotate: the new secret is shown once, the old one is refused at once.
        page.click("text=Rotate secret")
        new_secret = page.inner_text("#api-secret")
        assert new_secret != secret
        old = signed(running, api_key, secret, "GET", "/v2/servicepacks")
        assert old.status_code == 401
        assert old.json()["error_code"] == "authorization_hmac_invalid"
        assert signed(running, api_key, new_secret, "GET", "/v2/servicepacks").status_code == 200

        page.click("text=I have saved it")
        page.goto(running.base_url + "/controlpanel/")
        assert "acme.example" in page.content()
        shot("overview")
        page.goto(running.base_url + "/controlpanel/keys")
        assert secret not in page.content()
        assert new_secret not in page.content()
        shot("keys")

        # Revoke, with confirmation.
        page.click(f"a[href='/controlpanel/keys/{api_key}']")
        page.click("text=Revoke key")
        shot("revoke")
        page.click("text=Yes, revoke it")
        assert "The key is revoked" in page.content()
        gone = signed(running, api_key, new_secret, "GET", "/v2/servicepacks")
        assert gone.status_code == 401
        assert gone.json()["error_code"] == "authorization_api_key_invalid"

        page.click("text=Audit log")
        content = page.content()
        assert "POST /v2/accounts" in content
        assert "revoke API key" in content
        assert secret not in content
        assert new_secret not in content
        shot("audit")
        page.click("text=Password")
        shot("password")
        context.close()
        browser.close()
    # The server never logged a secret either.
    assert secret not in running.stderr
    assert new_secret not in running.stderr
