"""Fixtures for the control panel: reseller users and a cookie-keeping browser over the in-process app."""

from __future__ import annotations

import re
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

import httpx
import pytest

from reseller_api.controlpanel import users
from reseller_api.credentials.service import CredentialsService
from reseller_api.store.database import Database
from tests.harness import AddressedClient

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.DOTALL)
_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


class Browser:
    """One browser: its own cookies (the shared TestClient's jar is emptied after every call)."""

    def __init__(self, client: AddressedClient, scheme: str = "http") -> None:
        self.client = client
        self.base = f"{scheme}://testserver.local"
        self.cookies: dict[str, str] = {}
        self.last: httpx.Response | None = None

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.client.request(
            method, self.base + path, headers=headers, follow_redirects=False, **kwargs
        )
        self.client.client.cookies.clear()
        for header in response.headers.get_list("set-cookie"):
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        self.last = response
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def csrf(self) -> str:
        """The CSRF token of the last page shown."""
        assert self.last is not None
        found = _CSRF.search(self.last.text)
        assert found, self.last.text
        return found.group(1)

    def form_token(self, path: str) -> str | None:
        """The one-time token of the last page's form that posts to ``path`` (else its first form's)."""
        assert self.last is not None
        forms = _FORM.findall(self.last.text)
        for action, body in [f for f in forms if f[0] == path] + forms:
            found = _FORM_TOKEN.search(body)
            if found and (action == path or not any(a == path for a, _ in forms)):
                return found.group(1)
        return None

    def submit(
        self, path: str, fields: dict[str, str | list[str]] | None = None, *, csrf: str | None = None
    ) -> httpx.Response:
        """POST a form as the last page shows it: its CSRF token (unless ``csrf`` says otherwise)
        and the one-time form token of that page's form for ``path``."""
        data = {"csrf_token": self.csrf() if csrf is None else csrf, **(fields or {})}
        token = self.form_token(path)
        if token is not None and "form_token" not in data:
            data["form_token"] = token
        if csrf == "":
            data.pop("csrf_token")
        return self.request("POST", path, data=data)

    def sign_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/controlpanel/signin")
        return self.submit("/controlpanel/signin", {"email": email, "password": password})


def make_user(database: Database, credentials: CredentialsService, reseller: str, email: str) -> str:
    """A user of ``reseller`` (created if missing) whose password is PASSWORD; returns its e-mail."""
    if reseller not in {name for _, name in credentials.list_resellers()}:
        credentials.create_reseller(reseller)
    _, token = users.create_user(database, reseller, email)
    users.set_password_with_token(database, token, PASSWORD, PASSWORD)
    return email


@pytest.fixture
def browser_factory(client_factory: Callable[[str], AddressedClient]) -> Callable[..., Browser]:
    def make(address: str = "127.0.0.1", scheme: str = "http") -> Browser:
        return Browser(client_factory(address), scheme)

    return make


@pytest.fixture
def alice(
    database: Database, credentials: CredentialsService, browser_factory: Callable[..., Browser]
) -> Browser:
    """A browser signed in as alice's user."""
    make_user(database, credentials, "alice", "ops@alice.example")
    browser = browser_factory()
    response = browser.sign_in("ops@alice.example")
    assert response.status_code == 303, response.text
    return browser
