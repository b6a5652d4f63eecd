"""SSH keys of a Linux hosting and ``GET /v2/ssh``: parsing, fingerprints, duplicates, ownership."""

from __future__ import annotations

import base64
import hashlib
import warnings
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from reseller_api.store.database import Database
from tests.api.test_linuxhostings import codes, create_hosting, world
from tests.harness import Caller


def openssh(key: object, comment: str = "") -> str:
    line = key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()  # type: ignore[attr-defined]
    return f"{line} {comment}".strip()


def fingerprint(line: str) -> str:
    """As ``ssh-keygen -l`` prints it."""
    digest = hashlib.sha256(base64.b64decode(line.split()[1])).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


ED25519 = openssh(ed25519.Ed25519PrivateKey.generate(), "alice@laptop")
ECDSA = openssh(ec.generate_private_key(ec.SECP256R1()))
RSA_2048 = openssh(rsa.generate_private_key(public_exponent=65537, key_size=2048), "ci key")
RSA_1024 = openssh(rsa.generate_private_key(public_exponent=65537, key_size=1024))  # noqa: S505 - the weak key we refuse
KEYS = "/v2/linuxhostings/example.com/ssh/keys"


@pytest.fixture
def hosting(api: Caller) -> str:
    return create_hosting(api)


@pytest.mark.parametrize("line", [ED25519, ECDSA, RSA_2048], ids=["ed25519", "ecdsa", "rsa2048"])
def test_accepted_key_types(api: Caller, hosting: str, database: Database, line: str) -> None:
    response = api.post(KEYS, {"public_key": line})
    assert response.status_code == 201, response.text
    # One path segment: the fingerprint's base64 "/", "+" and "=" percent-encoded.
    assert response.headers["location"] == f"{KEYS}/{quote(fingerprint(line), safe=':')}"
    assert api.delete(response.headers["location"]).status_code == 204
    assert api.post(KEYS, {"public_key": line}).status_code == 201
    assert api.get(KEYS).json() == [{"fingerprint": fingerprint(line), "public_key": line}]
    assert world(database, "hosting_ssh_keys", "example.com")["authorized_keys"] == [line]


def test_whitespace_around_and_inside_the_line_is_normalised(api: Caller, hosting: str) -> None:
    kind, blob, comment = ED25519.split(" ", 2)
    assert api.post(KEYS, {"public_key": f"  {kind}   {blob}\t{comment}\n"}).status_code == 201
    assert api.get(KEYS).json()[0]["public_key"] == ED25519


def test_duplicate_key_is_400_ssh_key_already_exists(api: Caller, hosting: str) -> None:
    assert api.post(KEYS, {"public_key": ED25519}).status_code == 201
    again = api.post(KEYS, {"public_key": ED25519.rsplit(" ", 1)[0] + " other comment"})
    assert again.status_code == 400
    assert codes(again) == ["ssh_key_already_exists"]
    assert len(api.get(KEYS).json()) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "ssh_public_key_required"),
        ({"public_key": "   "}, "ssh_public_key_required"),
        ({"public_key": "not a key"}, "ssh_key_invalid"),
        ({"public_key": "ssh-ed25519 AAAA!!!"}, "ssh_key_invalid"),
        ({"public_key": "ssh-ed25519"}, "ssh_key_invalid"),
        ({"public_key": ED25519.replace("AAAA", "BBBB", 1)}, "ssh_key_invalid"),
        ({"public_key": RSA_1024}, "ssh_key_type_unsupported"),
    ],
)
def test_bad_keys_are_400_and_add_nothing(api: Caller, hosting: str, body: object, code: str) -> None:
    response = api.post(KEYS, body)
    assert response.status_code == 400, response.text
    assert codes(response) == [code]
    assert api.get(KEYS).json() == []


def test_dsa_keys_are_refused(api: Caller, hosting: str) -> None:
    with warnings.catch_warnings():  # cryptography deprecates DSA keys, we only need one
        warnings.simplefilter("ignore")
        line = openssh(dsa.generate_private_key(key_size=1024))  # noqa: S505
    response = api.post(KEYS, {"public_key": line})
    assert response.status_code == 400
    assert codes(response) == ["ssh_key_type_unsupported"]


def test_delete_by_fingerprint_in_every_spelling(api: Caller, hosting: str, database: Database) -> None:
    lines = [ED25519, ECDSA, RSA_2048]
    for line in lines:
        assert api.post(KEYS, {"public_key": line}).status_code == 201
    # As printed (slashes and all), percent-encoded, and the MD5 form.
    first = api.delete(f"{KEYS}/{fingerprint(ED25519)}")
    assert first.status_code == 204, first.text
    assert api.delete(f"{KEYS}/{quote(fingerprint(ECDSA), safe='')}").status_code == 204
    md5 = hashlib.md5(base64.b64decode(RSA_2048.split()[1])).hexdigest()  # noqa: S324 - OpenSSH's legacy form
    md5_form = "MD5:" + ":".join(md5[i : i + 2] for i in range(0, 32, 2))
    assert api.delete(f"{KEYS}/{md5_form}").status_code == 204
    assert api.get(KEYS).json() == []
    assert world(database, "hosting_ssh_keys", "example.com")["authorized_keys"] == []


def test_delete_unknown_fingerprint_is_404(api: Caller, hosting: str) -> None:
    api.post(KEYS, {"public_key": ED25519})
    response = api.delete(f"{KEYS}/SHA256:doesnotexist")
    assert response.status_code == 404
    assert len(api.get(KEYS).json()) == 1


def test_other_reseller_cannot_delete_or_list(api: Caller, other_api: Caller, hosting: str) -> None:
    api.post(KEYS, {"public_key": ED25519})
    assert other_api.delete(f"{KEYS}/{fingerprint(ED25519)}").status_code == 404
    assert other_api.get(KEYS).status_code == 404
    assert other_api.get("/v2/ssh").json() == []
    assert len(api.get(KEYS).json()) == 1


def test_all_keys_of_the_reseller_with_their_hostings(api: Caller, other_api: Caller) -> None:
    for domain in ("a.be", "b.be"):
        create_hosting(api, domain)
    create_hosting(other_api, "bob.be")
    api.post("/v2/linuxhostings/a.be/ssh/keys", {"public_key": ED25519})
    api.post("/v2/linuxhostings/b.be/ssh/keys", {"public_key": ED25519})
    api.post("/v2/linuxhostings/b.be/ssh/keys", {"public_key": ECDSA})
    other_api.post("/v2/linuxhostings/bob.be/ssh/keys", {"public_key": ED25519})
    listing = api.get("/v2/ssh")
    assert listing.status_code == 200
    assert listing.json() == [
        {"fingerprint": fingerprint(ED25519), "public_key": ED25519, "linux_hostings": ["a.be", "b.be"]},
        {"fingerprint": fingerprint(ECDSA), "public_key": ECDSA, "linux_hostings": ["b.be"]},
    ]
    assert listing.headers["x-paging-totalresults"] == "2"
    page = api.get("/v2/ssh?skip=1&take=1")
    assert [k["fingerprint"] for k in page.json()] == [fingerprint(ECDSA)]
    assert page.headers["x-paging-take"] == "1"
    assert other_api.get("/v2/ssh").json() == [
        {"fingerprint": fingerprint(ED25519), "public_key": ED25519, "linux_hostings": ["bob.be"]}
    ]


def test_a_fingerprint_holding_a_double_slash_can_be_deleted(api: Caller, hosting: str) -> None:
    """About one key in a hundred has "//" in its base64 fingerprint; the framework's path
    parameter would collapse it to "/", so the key could never be deleted."""
    line = next(
        candidate
        for candidate in (openssh(ed25519.Ed25519PrivateKey.generate()) for _ in range(100_000))
        if "//" in fingerprint(candidate)
    )
    for sent in (fingerprint(line), quote(fingerprint(line), safe="")):  # raw, and percent-encoded
        assert api.post(KEYS, {"public_key": line}).status_code == 201
        assert api.delete(f"{KEYS}/{sent}").status_code == 204
        assert api.get(KEYS).json() == []
