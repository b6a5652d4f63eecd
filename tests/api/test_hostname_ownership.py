"""Host names belong to the reseller whose domain they lie in; refusals reveal nothing of theirs.

Alice owns ``alpha.com`` (an account: hosting, DNS zone, mail zone) and registers
``alpha-reg.com``; Bob owns ``beta.com``. Bob must not be able to attach any name under
Alice's domains to his hosting or mail zone, nor make one an account, and his refusals
must read the same whether Alice uses the name or not.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import insert

from reseller_api.credentials.service import CredentialsService
from reseller_api.resources.dns.tables import dns_zones
from reseller_api.store.database import Database
from tests.api.test_domains import register
from tests.api.test_linuxhostings_sites import mkdir
from tests.api.test_mailboxes import make_account
from tests.harness import Caller

ALICE = "/v2/linuxhostings/alpha.com"
BOB = "/v2/linuxhostings/beta.com"


@pytest.fixture
def alice(api: Caller, database: Database) -> Caller:
    make_account(api, "alpha.com")
    mkdir(database, "/subsites", "alpha.com")
    assert (
        api.post(f"{ALICE}/subsites", {"domain_name": "shop.alpha.com", "path": "/subsites"}).status_code
        == 201
    )
    assert register(api, "alpha-reg.com").status_code == 201
    return api


@pytest.fixture
def bob(other_api: Caller, database: Database) -> Caller:
    make_account(other_api, "beta.com")
    mkdir(database, "/subsites", "beta.com")
    return other_api


def refusal(response: httpx.Response, name: str) -> tuple[int, list[dict[str, str]]]:
    """The answer with the name taken out: what tells one name from another."""
    body = response.json()  # a refusal about the world: a top-level error
    return response.status_code, [{k: v.replace(name, "NAME") for k, v in body.items()}]


def attempts(bob: Caller, name: str) -> dict[str, httpx.Response]:
    return {
        "subsite": bob.post(f"{BOB}/subsites", {"domain_name": name, "path": "/subsites"}),
        "host header": bob.post(f"{BOB}/sites/beta.com/hostheaders", {"domain_name": name}),
        "smtp domain": bob.post("/v2/mailzones/beta.com/smtpdomains", {"hostname": name}),
        "account": bob.post("/v2/accounts", {"identifier": name, "servicepack_id": 3}),
    }


EXPECTED = {
    "subsite": "host_name_in_use",
    "host header": "host_name_in_use",
    "smtp domain": "smtp_domain_exists",
    "account": "account_identifier_in_use",
}


@pytest.mark.parametrize(
    "name",
    [
        "shop.alpha.com",  # Alice serves it
        "mail.alpha.com",  # nobody uses it, but it lies in Alice's domain
        "a.b.c.alpha.com",
        "alpha.com",
        "www.alpha.com",
        "alpha-reg.com",  # registered by Alice, no hosting
        "www.alpha-reg.com",
    ],
)
def test_names_in_another_resellers_domains_are_refused(alice: Caller, bob: Caller, name: str) -> None:
    for what, response in attempts(bob, name).items():
        assert response.status_code == 400, (what, response.text)
        assert response.json()["error_code"] == EXPECTED[what], what
    # Nothing of Bob's changed; Alice still has her names.
    sites = bob.get(BOB).json()["sites"]
    assert [s["name"] for s in sites] == ["beta.com"]
    assert [h["name"] for h in sites[0]["host_headers"]] == ["beta.com", "www.beta.com"]
    assert bob.get("/v2/mailzones/beta.com").json()["smtp_domains"] == []
    assert [a["identifier"] for a in bob.get("/v2/accounts").json()] == ["beta.com"]


def test_the_refusal_does_not_say_which_of_their_names_exist(alice: Caller, bob: Caller) -> None:
    used = attempts(bob, "shop.alpha.com")
    unused = attempts(bob, "nothing.alpha.com")
    for what in used:
        assert refusal(used[what], "shop.alpha.com") == refusal(unused[what], "nothing.alpha.com"), what
    # A name in no domain we host, which Alice serves, reads the same as one in her domain.
    mkdir_name = "elsewhere.example.org"
    assert alice.post(f"{ALICE}/sites/alpha.com/hostheaders", {"domain_name": mkdir_name}).status_code == 201
    taken = bob.post(f"{BOB}/sites/beta.com/hostheaders", {"domain_name": mkdir_name})
    assert refusal(taken, mkdir_name) == refusal(unused["host header"], "nothing.alpha.com")


def test_the_owner_keeps_every_name_of_its_domains(alice: Caller, bob: Caller) -> None:
    attempts(bob, "blog.alpha.com")
    assert (
        alice.post(f"{ALICE}/sites/alpha.com/hostheaders", {"domain_name": "blog.alpha.com"}).status_code
        == 201
    )
    assert (
        alice.post(f"{ALICE}/subsites", {"domain_name": "www.alpha-reg.com", "path": "/subsites"}).status_code
        == 201
    )
    smtp = alice.post("/v2/mailzones/alpha.com/smtpdomains", {"hostname": "mail.alpha.com"})
    assert smtp.status_code == 201, smtp.text
    account = alice.post("/v2/accounts", {"identifier": "sub.alpha.com", "servicepack_id": 3})
    assert account.status_code == 202, account.text


def test_names_in_no_domain_we_know_are_first_come(alice: Caller, bob: Caller) -> None:
    assert (
        bob.post(f"{BOB}/sites/beta.com/hostheaders", {"domain_name": "shared.example.net"}).status_code
        == 201
    )
    taken = alice.post(f"{ALICE}/sites/alpha.com/hostheaders", {"domain_name": "shared.example.net"})
    assert taken.json()["error_code"] == "host_name_in_use"
    # Bob's own domain works for Bob, as before.
    assert (
        bob.post(f"{BOB}/subsites", {"domain_name": "shop.beta.com", "path": "/subsites"}).status_code == 201
    )


def test_the_most_specific_domain_decides(database: Database, credentials: CredentialsService) -> None:
    """A zone delegated inside another reseller's domain belongs to its own reseller."""
    from reseller_api.resources.hostnames import in_another_resellers_domain

    alice, bob = credentials.create_reseller("alice"), credentials.create_reseller("bob")
    with database.transaction() as conn:
        for name, owner in (("alpha.com", alice), ("sub.alpha.com", bob)):
            conn.execute(insert(dns_zones).values(reseller_id=owner, domain_name=name, created_at=0.0))
        assert in_another_resellers_domain(conn, alice, "x.sub.alpha.com")
        assert not in_another_resellers_domain(conn, bob, "x.sub.alpha.com")
        assert in_another_resellers_domain(conn, bob, "y.alpha.com")
        assert not in_another_resellers_domain(conn, alice, "alpha.com")
        assert not in_another_resellers_domain(conn, bob, "unknown.org")
