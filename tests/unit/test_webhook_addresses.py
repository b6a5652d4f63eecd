"""Which addresses a webhook may be sent to (resources/webhooks/addresses.py): public ones
only, judged by the IPv4 address an IPv6 one embeds too (Python 3.11's ``is_global`` looks at
the IPv6 prefix alone)."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from reseller_api.resources.webhooks import addresses


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "127.0.0.1",
        "169.254.169.254",
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 (an address judged, not bound)
        "224.0.0.1",  # multicast: no TCP there
        "::1",
        "fd00::1",
        "fe80::1",
        "ff0e::1",
        "64:ff9b::a00:1",  # NAT64 (RFC 6052) of 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::808:808",  # NAT64 for local use (RFC 8215): the operator's translator
        "::ffff:10.0.0.1",  # IPv4-mapped
        "::ffff:127.0.0.1",
        "::ffff:0:a00:1",  # IPv4-translated (RFC 2765) of 10.0.0.1
        "::a00:1",  # IPv4-compatible (deprecated) of 10.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
    ],
)
def test_addresses_that_are_not_public(address: str) -> None:
    assert not addresses.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "93.184.215.14",
        "2606:4700::1111",
        "64:ff9b::5db8:d70e",  # NAT64 of 93.184.215.14
        "::ffff:93.184.215.14",  # IPv4-mapped form of a public address
        "2002:5db8:d70e::1",  # 6to4 of 93.184.215.14
    ],
)
def test_addresses_that_are_public(address: str) -> None:
    assert addresses.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("address", "embedded"),
    [
        ("64:ff9b::a00:1", "10.0.0.1"),
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("::ffff:0:a00:1", "10.0.0.1"),
        ("2002:a00:1::1", "10.0.0.1"),
        ("2606:4700::1111", None),
    ],
)
def test_the_ipv4_address_an_ipv6_one_embeds(address: str, embedded: str | None) -> None:
    found = addresses.embedded_ipv4(ipaddress.IPv6Address(address))
    assert found == (None if embedded is None else ipaddress.IPv4Address(embedded))


def _resolving_to(*answers: str) -> Any:
    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in answers
        ]

    return getaddrinfo


@pytest.mark.parametrize("private", ["64:ff9b::a00:1", "::ffff:10.0.0.1", "2002:a00:1::1"])
def test_a_name_resolving_to_an_embedded_private_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, private: str
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _resolving_to("93.184.215.14", private))
    with pytest.raises(addresses.Refused, match="private, loopback"):
        addresses.check_url("https://hooks.example/hook", allow_private=False)
    # An operator who allows private addresses allows these too.
    assert len(addresses.check_url("https://hooks.example/hook", allow_private=True)) == 2


def test_the_check_answers_the_addresses_it_vetted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        socket, "getaddrinfo", _resolving_to("93.184.215.14", "2606:4700::1111", "93.184.215.14")
    )
    vetted = addresses.check_url("https://hooks.example/hook", allow_private=False)
    assert vetted == (ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("2606:4700::1111"))
    assert addresses.check_url("https://hooks.example/hook", allow_private=False, resolve=False) == ()
