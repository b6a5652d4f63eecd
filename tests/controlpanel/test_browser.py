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
from typing import Any

import httpx
import pytest

from reseller_api.client.signing import authorization_header
from reseller_api.client.webhooks import verify
from tests.harness import DatabaseFactory
from tests.integration.conftest import Deployment, Server, _prepare
from tests.webhook_receiver import receiver

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
    # The webhook receiver listens on loopback, which only an operator's setting allows.
    running = Server(deployment, "panel", RESELLER_API_WEBHOOK_ALLOW_PRIVATE="true")
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


DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# What a page must not do at phone width: be wider than the screen, or break a key, an address
# or a network across lines (each code.token must be one box on one line).
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  const wide = document.documentElement.scrollWidth;
  if (wide > width) problems.push(`page ${wide}px wide`);
  for (const el of document.querySelectorAll("code.token")) {
    const rects = el.getClientRects();
    if (rects.length !== 1) problems.push(`token broken: ${el.textContent}`);
  }
  return problems;
}"""


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
        context = browser.new_context(viewport=DESKTOP)
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

        # Create a named key without whitelisting, copy its secret with the copy button.
        page.click("nav >> text=API keys")
        page.fill("input[name=name]", "billing")
        page.fill("input[name=note]", "the invoicing robot")
        page.uncheck("input[name=allow_current]")
        page.click("text=Create API key")
        assert page.url.endswith("/secret")  # the POST answered with a redirect
        api_key = page.inner_text("#api-key")
        secret = page.inner_text("#api-secret")
        page.click("button[data-copy=api-secret]")
        assert page.evaluate("navigator.clipboard.readText()") == secret
        assert page.inner_text("button[data-copy=api-secret]") == "Copied"
        assert f"--api-key {api_key}" in page.inner_text("#configure")
        shot("secret", "#api-secret")
        refused = signed(running, api_key, secret, "GET", "/v2/servicepacks")
        assert refused.json()["error_code"] == "authorization_ip_not_whitelisted"
        # A reload shows the secret no more, and changes nothing.
        page.reload()
        assert secret not in page.content()
        assert "shown once" in page.content()
        page.go_back()
        page.go_forward()

        # Whitelist 127.0.0.1, then the key works for a signed API call.
        page.goto(f"{running.base_url}/controlpanel/keys/{api_key}")
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
        record = {"type": "A", "record_name": "www", "content": "192.0.2.10"}
        assert (
            signed(running, api_key, secret, "POST", "/v2/dns/acme.example/records", record).status_code
            == 201
        )
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
        page.reload()  # no second rotation: the secret just shown keeps working
        assert signed(running, api_key, new_secret, "GET", "/v2/servicepacks").status_code == 200

        page.goto(running.base_url + "/controlpanel/")
        assert "acme.example" in page.content()
        shot("overview")
        page.click("main a:text-is('acme.example') >> nth=0")
        assert "192.0.2.10" in page.content()
        shot("account")
        page.goto(running.base_url + "/controlpanel/keys")
        assert secret not in page.content()
        assert new_secret not in page.content()
        shot("keys")

        # Revoke, with confirmation; then the key is read-only and folded away.
        page.click(f"a[href='/controlpanel/keys/{api_key}'] >> nth=0")
        page.click("text=Revoke key")
        shot("revoke")
        page.click("text=Yes, revoke it")
        assert "The key is revoked" in page.content()
        gone = signed(running, api_key, new_secret, "GET", "/v2/servicepacks")
        assert gone.status_code == 401
        assert gone.json()["error_code"] == "authorization_api_key_invalid"
        assert page.locator("details.revoked").count() == 1

        # A webhook endpoint: its signing secret shown once, then a test event signed with it.
        with receiver() as hooks:
            page.click("nav >> text=Webhooks")
            page.fill("input[name=url]", hooks.url)
            page.fill("input[name=description]", "shop backend")
            page.click("text=Add endpoint")
            assert page.url.endswith("/secret")  # the POST answered with a redirect
            hook_page = page.url.removesuffix("/secret")
            hook_secret = page.inner_text("#webhook-secret")
            assert hook_secret.startswith("whsec_")
            page.click("button[data-copy=webhook-secret]")
            assert page.evaluate("navigator.clipboard.readText()") == hook_secret
            shot("webhook-secret", "#webhook-secret")
            page.reload()
            assert hook_secret not in page.content()
            assert "shown once" in page.content()
            page.goto(hook_page)
            page.click("text=Send test event")
            [arrived] = hooks.wait_for(1, timeout=20)
            assert verify(hook_secret, arrived.body, arrived.headers)["type"] == "webhook.test"
            deadline = time.monotonic() + 15
            while "succeeded" not in page.content():
                assert time.monotonic() < deadline
                page.wait_for_timeout(200)
                page.reload()
            assert hook_secret not in page.content()
            shot("webhook")
            page.click("nav >> text=Webhooks")
            shot("webhooks")

        page.click("nav >> text=Audit log")
        content = page.content()
        assert "Ordered account acme.example" in content
        assert "Revoked key &#39;billing&#39;" in content or "Revoked key 'billing'" in content
        assert secret not in content
        assert new_secret not in content
        shot("audit")
        page.click("nav >> text=Password")
        shot("password")
        page.goto(running.base_url + "/controlpanel/no/such/page")
        assert "Not found" in page.content()

        # The same pages on a phone: nothing wider than the screen, no token broken.
        phone = browser.new_context(viewport=PHONE, storage_state=context.storage_state(), is_mobile=True)
        small = phone.new_page()
        for path, name in (
            ("/controlpanel/", "overview"),
            ("/controlpanel/keys", "keys"),
            (f"/controlpanel/keys/{api_key}", "key"),
            ("/controlpanel/accounts", None),
            ("/controlpanel/audit", "audit"),
            ("/controlpanel/webhooks", None),
            (hook_page.removeprefix(running.base_url), None),
            ("/controlpanel/password", None),
        ):
            small.goto(running.base_url + path)
            assert small.evaluate(LAYOUT_PROBLEMS) == [], path
            if name:
                small.screenshot(path=str(shots / f"controlpanel-phone-{name}.png"), full_page=True)
        account_link = small.goto(running.base_url + "/controlpanel/accounts")
        assert account_link is not None
        # click() does not wait for the page it opens to load; evaluating before the new document
        # exists read a null documentElement in CI.
        with small.expect_navigation():
            small.click("main a:text-is('acme.example') >> nth=0")
        assert small.evaluate(LAYOUT_PROBLEMS) == []
        phone.close()
        context.close()
        browser.close()
    # The server never logged a secret either.
    assert secret not in running.stderr
    assert new_secret not in running.stderr
    assert hook_secret not in running.stderr


def test_a_new_secret_on_a_phone_and_without_javascript(server: tuple[Deployment, Server]) -> None:
    """The longest tokens on the narrowest page: the secret scrolls in its box, the page does not.
    Without JavaScript, forms work and the copy buttons (which need it) stay hidden."""
    sync_api = pytest.importorskip("playwright.sync_api")
    deployment, running = server
    deployment.admin("reseller", "create", "acme")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for n, options in enumerate(
            [{"viewport": PHONE, "is_mobile": True}, {"viewport": DESKTOP, "java_script_enabled": False}]
        ):
            email = f"ops{n}@acme.example"
            created = deployment.admin_json("user", "create", "--reseller", "acme", "--email", email,
                                            "--base-url", running.base_url)  # fmt: skip
            page = browser.new_context(**options).new_page()
            page.goto(created["set_password_link"])
            page.fill("input[name=password]", PASSWORD)
            page.fill("input[name=confirm]", PASSWORD)
            page.click("button[type=submit]")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(running.base_url + "/controlpanel/keys")
            with page.expect_navigation():
                page.click("text=Create API key")
            assert page.is_visible("#api-secret")
            if options.get("java_script_enabled") is False:
                assert page.locator("button[data-copy]").count() >= 2
                assert not page.is_visible("button[data-copy=api-secret]")
            else:
                assert page.is_visible("button[data-copy=api-secret]")
                assert page.evaluate(LAYOUT_PROBLEMS) == []
        browser.close()


def test_the_api_documentation_loads_nothing_from_elsewhere(
    server: tuple[Deployment, Server], tmp_path: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    wanted = os.environ.get("SCREENSHOTS_DIR")
    shots = (DOCS_DIR.parent / wanted) if wanted else tmp_path / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    _, running = server
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_context(viewport=DESKTOP).new_page()
        elsewhere: list[str] = []
        ours: list[str] = []

        def seen(request: Any) -> None:
            local = request.url.startswith((running.base_url, "data:", "blob:"))
            (ours if local else elsewhere).append(request.url)

        page.on("request", seen)
        page.goto(running.base_url + "/v2/documentation", wait_until="networkidle")
        page.wait_for_function("document.body.innerText.includes('Signing a request, step by step')")
        page.wait_for_timeout(500)
        assert elsewhere == []
        assert any(url.endswith("/v2/documentation/logo.svg") for url in ours)
        content = page.content()
        for seen in ("Reseller Public API", "Authentication", "authorization_hmac_invalid", "TypeScript"):
            assert seen in content, seen
        page.click("text=Authentication >> nth=0")
        page.screenshot(path=str(shots / "api-documentation.png"))
        browser.close()
