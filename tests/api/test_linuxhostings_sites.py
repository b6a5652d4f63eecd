"""Sites of a Linux hosting: subsites, host headers, HTTP/2, Let's Encrypt, auto redirect."""

from __future__ import annotations

from typing import Any

import pytest

from reseller_api.backends.simulated import SimulatedHosting, SimulatedStore
from reseller_api.store.database import Database
from tests.api.test_linuxhostings import codes, create_hosting, detail, world
from tests.harness import Caller

BASE = "/v2/linuxhostings/example.com"


@pytest.fixture
def hosting(api: Caller) -> str:
    return create_hosting(api)


def mkdir(database: Database, path: str, domain: str = "example.com") -> None:
    """What the customer would do over FTP."""
    SimulatedHosting(SimulatedStore(database)).make_directory(domain, path)


def site(api: Caller, name: str) -> dict[str, Any]:
    return next(s for s in detail(api)["sites"] if s["name"] == name)


def test_subsite_at_its_default_path_once_the_folder_exists(
    api: Caller, hosting: str, database: Database
) -> None:
    missing = api.post(f"{BASE}/subsites", {"domain_name": "blog.example.com"})
    assert missing.status_code == 400
    assert codes(missing) == ["subsite_path_not_found"]
    assert len(detail(api)["sites"]) == 1
    mkdir(database, "/subsites/blog.example.com")
    created = api.post(f"{BASE}/subsites", {"domain_name": "Blog.Example.com", "path": ""})
    assert created.status_code == 201, created.text
    assert created.content == b""
    assert created.headers["location"] == f"{BASE}/subsites/blog.example.com"
    assert site(api, "blog.example.com") == {
        "name": "blog.example.com",
        "path": "/subsites/blog.example.com",
        "host_headers": [{"name": "blog.example.com", "enabled": True}],
        "ssl_enabled": False,
        "https_redirect_enabled": False,
        "http2_enabled": False,
    }
    assert world(database, "hosting_site", "blog.example.com")["path"] == "/subsites/blog.example.com"


def test_subsite_with_an_existing_path(api: Caller, hosting: str) -> None:
    assert api.post(f"{BASE}/subsites", {"domain_name": "shop.be", "path": "/subsites/"}).status_code == 201
    assert site(api, "shop.be")["path"] == "/subsites"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "site_domain_name_required"),
        ({"domain_name": " "}, "site_domain_name_required"),
        ({"domain_name": "not a domain"}, "domain_name_invalid"),
        ({"domain_name": "x.be", "path": "relative/../../etc"}, "subsite_path_invalid"),
        ({"domain_name": "x.be", "path": "/www/../../etc"}, "subsite_path_invalid"),
        ({"domain_name": "x.be", "path": "/nothing/here"}, "subsite_path_not_found"),
        ({"domain_name": "example.com", "path": "/subsites"}, "host_name_in_use"),
        ({"domain_name": "www.example.com", "path": "/subsites"}, "host_name_in_use"),
    ],
)
def test_bad_subsites_are_400_and_change_nothing(api: Caller, hosting: str, body: Any, code: str) -> None:
    response = api.post(f"{BASE}/subsites", body)
    assert response.status_code == 400, response.text
    assert codes(response) == [code]
    assert [s["name"] for s in detail(api)["sites"]] == ["example.com"]


def test_a_domain_hosted_by_anyone_else_is_refused(api: Caller, other_api: Caller, hosting: str) -> None:
    create_hosting(other_api, "bob.be")
    assert (
        other_api.post(
            "/v2/linuxhostings/bob.be/subsites", {"domain_name": "taken.be", "path": "/www"}
        ).status_code
        == 201
    )
    for name in ("bob.be", "www.bob.be", "taken.be"):
        response = api.post(f"{BASE}/subsites", {"domain_name": name, "path": "/subsites"})
        assert codes(response) == ["host_name_in_use"], name


def test_delete_subsite(api: Caller, other_api: Caller, hosting: str, database: Database) -> None:
    api.post(f"{BASE}/subsites", {"domain_name": "shop.be", "path": "/subsites"})
    assert other_api.delete(f"{BASE}/subsites/shop.be").status_code == 404
    assert api.delete(f"{BASE}/subsites/nothing.be").status_code == 404
    main = api.delete(f"{BASE}/subsites/example.com")
    assert main.status_code == 400
    assert codes(main) == ["site_is_main_site"]
    assert api.delete(f"{BASE}/subsites/shop.be").status_code == 204
    assert [s["name"] for s in detail(api)["sites"]] == ["example.com"]
    assert SimulatedStore(database).get("hosting_site", "shop.be") is None
    # The name is free again.
    assert api.post(f"{BASE}/subsites", {"domain_name": "shop.be", "path": "/subsites"}).status_code == 201


def test_host_headers_on_main_site_and_subsite(api: Caller, hosting: str) -> None:
    response = api.post(f"{BASE}/sites/example.com/hostheaders", {"domain_name": "alias.be"})
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{BASE}/sites/example.com/hostheaders/alias.be"
    assert [h["name"] for h in site(api, "example.com")["host_headers"]] == [
        "example.com",
        "www.example.com",
        "alias.be",
    ]
    api.post(f"{BASE}/subsites", {"domain_name": "shop.be", "path": "/subsites"})
    assert api.post(f"{BASE}/sites/shop.be/hostheaders", {"domain_name": "www.shop.be"}).status_code == 201
    assert [h["name"] for h in site(api, "shop.be")["host_headers"]] == ["shop.be", "www.shop.be"]
    for name in ("alias.be", "example.com", "shop.be"):
        again = api.post(f"{BASE}/sites/shop.be/hostheaders", {"domain_name": name})
        assert codes(again) == ["host_name_in_use"]
    assert codes(api.post(f"{BASE}/sites/shop.be/hostheaders", {})) == ["site_domain_name_required"]
    assert codes(api.post(f"{BASE}/sites/shop.be/hostheaders", {"domain_name": "-bad-"})) == [
        "domain_name_invalid"
    ]
    assert api.post(f"{BASE}/sites/nothing.be/hostheaders", {"domain_name": "new.be"}).status_code == 404


def test_http2_and_redirect_before_lets_encrypt_are_kept_and_take_effect_with_it(
    api: Caller, hosting: str, database: Database
) -> None:
    """A public client turns HTTP/2 on, then the redirection, then Let's Encrypt: the vendor
    documents no order, so each is accepted at any time, shown at once, and served once the
    host name has a certificate."""

    def serving() -> dict[str, Any]:
        return dict(world(database, "hosting_site", "example.com")["serving"])

    assert api.put(f"{BASE}/sites/example.com/http2/configuration", {"enabled": True}).status_code == 204
    assert api.put(f"{BASE}/sslsettings/WWW.example.com/autoredirect", {"enabled": True}).status_code == 204
    main = site(api, "example.com")
    assert (main["ssl_enabled"], main["https_redirect_enabled"], main["http2_enabled"]) == (False, True, True)
    assert serving() == {"https": [], "http2": False, "redirected": []}  # no certificate yet

    assert api.put(f"{BASE}/sslsettings/www.example.com/letsencrypt", {"enabled": True}).status_code == 204
    main = site(api, "example.com")
    assert (main["ssl_enabled"], main["https_redirect_enabled"], main["http2_enabled"]) == (True, True, True)
    platform = world(database, "hosting_site", "example.com")
    assert platform["http2_enabled"] is True
    assert {h["name"]: h["letsencrypt"] for h in platform["host_headers"]} == {
        "example.com": False,
        "www.example.com": True,
    }
    assert serving() == {"https": ["www.example.com"], "http2": True, "redirected": ["www.example.com"]}

    # Without a certificate nothing is redirected, but the settings stay for when it returns.
    assert api.put(f"{BASE}/sslsettings/www.example.com/letsencrypt", {"enabled": False}).status_code == 204
    main = site(api, "example.com")
    assert (main["ssl_enabled"], main["https_redirect_enabled"], main["http2_enabled"]) == (False, True, True)
    assert serving() == {"https": [], "http2": False, "redirected": []}
    assert api.put(f"{BASE}/sites/example.com/http2/configuration", {"enabled": False}).status_code == 204
    assert site(api, "example.com")["http2_enabled"] is False


@pytest.mark.parametrize("kind", ["letsencrypt", "autoredirect"])
def test_ssl_settings_of_a_hostname_not_served_are_404(
    api: Caller, other_api: Caller, hosting: str, kind: str
) -> None:
    create_hosting(other_api, "bob.be")
    for hostname in ("nothing.be", "bob.be", "not a host"):
        response = api.put(f"{BASE}/sslsettings/{hostname}/{kind}", {"enabled": True})
        assert response.status_code == 404, hostname
    assert codes(api.put(f"{BASE}/sslsettings/example.com/{kind}", {})) == ["enabled_required"]


def test_http2_needs_an_existing_site(api: Caller, hosting: str) -> None:
    assert api.put(f"{BASE}/sites/nothing.be/http2/configuration", {"enabled": False}).status_code == 404
    assert codes(api.put(f"{BASE}/sites/example.com/http2/configuration", {})) == ["enabled_required"]


def test_a_name_another_hosting_serves_cannot_become_an_account(
    api: Caller, other_api: Caller, hosting: str
) -> None:
    """Else both hostings would serve it, and the web server's files of one would be the other's."""
    assert api.post(f"{BASE}/subsites", {"domain_name": "victim.be", "path": "/subsites"}).status_code == 201
    assert api.post(f"{BASE}/sites/victim.be/hostheaders", {"domain_name": "alias.be"}).status_code == 201
    for name in ("victim.be", "alias.be"):
        response = other_api.post(
            "/v2/accounts", {"identifier": name, "servicepack_id": 1, "ftp_password": "Secret123x"}
        )
        assert codes(response) == ["account_identifier_in_use"], name


def test_another_accounts_identifier_cannot_become_a_site(
    api: Caller, other_api: Caller, hosting: str
) -> None:
    # A mail-only account has no hosting, but its domain stays its own.
    response = other_api.post("/v2/accounts", {"identifier": "mailonly.be", "servicepack_id": 3})
    assert response.status_code == 202, response.text
    for name in ("mailonly.be", "www.mailonly.be"):
        added = api.post(f"{BASE}/subsites", {"domain_name": name, "path": "/subsites"})
        assert codes(added) == ["host_name_in_use"], name
        header = api.post(f"{BASE}/sites/example.com/hostheaders", {"domain_name": name})
        assert codes(header) == ["host_name_in_use"], name


@pytest.mark.parametrize("path", ["/", "/logs", "/tmp/", "/tmp/sessions", "/.ssh", "//logs/x"])
def test_a_subsite_never_serves_the_hostings_private_folders(api: Caller, hosting: str, path: str) -> None:
    response = api.post(f"{BASE}/subsites", {"domain_name": "x.be", "path": path})
    assert response.status_code == 400, response.text
    assert codes(response) == ["subsite_path_private"]
