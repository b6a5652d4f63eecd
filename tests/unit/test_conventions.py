"""Nonces, the caller's address, rate-limit decisions and paging (reseller_api.conventions)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

import pytest
from limits import parse
from litestar import Litestar, get
from litestar.di import NamedDependency, Provide
from litestar.testing import TestClient

from reseller_api import errors
from reseller_api.conventions.dependencies import provide_page
from reseller_api.conventions.errors import EXCEPTION_HANDLERS
from reseller_api.conventions.network import client_address
from reseller_api.conventions.nonces import MemoryNonceStore
from reseller_api.conventions.paging import DEFAULT_TAKE, MAX_TAKE, Page
from reseller_api.conventions.ratelimit import Decision, RateLimiter

T0 = 1_795_713_835.0

# -- nonces -------------------------------------------------------------------------------


def test_a_nonce_is_single_use_while_its_timestamp_is_acceptable() -> None:
    store = MemoryNonceStore(window_seconds=300)
    ts = int(T0)
    assert store.use("key", "n1", ts, T0)
    assert not store.use("key", "n1", ts, T0)
    assert not store.use("key", "n1", ts, T0 + 1)
    assert not store.use("key", "n1", ts, T0 + 300)  # the gate still accepts the timestamp
    assert not store.use("key", "n1", ts, T0 + 301.9)  # ... to the second, whole-second compared
    assert not store.use("key", "n1", ts + 100, T0 + 100)  # reused under another timestamp


def test_nonces_are_per_key() -> None:
    store = MemoryNonceStore(window_seconds=300)
    ts = int(T0)
    assert store.use("key1", "n1", ts, T0)
    assert store.use("key2", "n1", ts, T0)
    assert store.use("key1", "n2", ts, T0)
    assert not store.use("key2", "n1", ts, T0 + 10)
    # The pair is what counts, not a concatenation of it.
    assert store.use("key1n", "1", ts, T0)


def test_a_nonce_is_accepted_again_once_its_timestamp_is_out_of_the_window() -> None:
    store = MemoryNonceStore(window_seconds=300)
    ts = int(T0)
    assert store.use("key", "n1", ts, T0)
    # Its request is refused by the timestamp check from ts + 301 on; the nonce is free from
    # ts + 302 (a new signature, with a new timestamp).
    assert store.use("key", "n1", ts + 302, T0 + 302)
    # ... and is then remembered for its new timestamp.
    assert not store.use("key", "n1", ts + 302, T0 + 303)
    assert not store.use("key", "n1", ts + 400, T0 + 603)
    assert store.use("key", "n1", ts + 604, T0 + 604)


def test_a_future_timestamp_is_remembered_until_a_window_after_it() -> None:
    store = MemoryNonceStore(window_seconds=300)
    ts = int(T0) + 300  # a client clock 5 minutes ahead: accepted until T0 + 600
    assert store.use("key", "n1", ts, T0)
    assert not store.use("key", "n1", ts, T0 + 600)
    assert not store.use("key", "n1", ts, T0 + 601.5)
    assert store.use("key", "n1", ts + 310, T0 + 610)


def test_expired_nonces_are_forgotten() -> None:
    store = MemoryNonceStore(window_seconds=300)
    for i in range(1000):
        assert store.use("key", f"n{i}", int(T0), T0 + i / 1000)
    assert len(store) == 1000
    for i in range(300):  # each call forgets a few expired ones
        assert store.use("key", f"later{i}", int(T0) + 400, T0 + 400)
    assert len(store) == 300
    assert len(store._expiries) == 1


def test_pruning_keeps_what_is_still_in_the_window() -> None:
    store = MemoryNonceStore(window_seconds=300)
    ts = int(T0)
    assert store.use("key", "old", ts, T0)
    assert store.use("key", "new", ts + 200, T0 + 200)
    assert store.use("key", "x", ts + 305, T0 + 305)  # "old" expired, "new" has not
    assert len(store) == 2
    assert not store.use("key", "new", ts + 200, T0 + 306)
    assert store.use("key", "old", ts + 306, T0 + 306)


# -- client_address -------------------------------------------------------------------------


def _scope(peer: str | None, *forwarded: str) -> dict[str, Any]:
    return {
        "type": "http",
        "client": (peer, 50000) if peer is not None else None,
        "headers": [(b"host", b"example"), *((b"x-forwarded-for", f.encode()) for f in forwarded)],
    }


def _nets(*cidrs: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(c) for c in cidrs)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


def test_no_trusted_proxies_means_the_peer() -> None:
    assert client_address(_scope("203.0.113.5"), ()) == _ip("203.0.113.5")
    assert client_address(_scope("203.0.113.5", "127.0.0.1"), ()) == _ip("203.0.113.5")


def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    trusted = _nets("10.0.0.0/8")
    assert client_address(_scope("203.0.113.5", "127.0.0.1"), trusted) == _ip("203.0.113.5")


def test_forwarded_for_from_a_trusted_proxy_is_honoured() -> None:
    trusted = _nets("10.0.0.0/8")
    assert client_address(_scope("10.0.0.1", "198.51.100.7"), trusted) == _ip("198.51.100.7")
    # A trusted proxy that sends no X-Forwarded-For is itself the caller.
    assert client_address(_scope("10.0.0.1"), trusted) == _ip("10.0.0.1")


def test_the_chain_is_walked_from_the_right() -> None:
    trusted = _nets("10.0.0.0/8")
    # The client wrote "127.0.0.1" itself; the proxies appended the real hops.
    scope = _scope("10.0.0.1", "127.0.0.1, 198.51.100.7, 10.0.0.2")
    assert client_address(scope, trusted) == _ip("198.51.100.7")
    # Several headers are one list, in order.
    scope = _scope("10.0.0.1", "127.0.0.1", "198.51.100.7", "10.0.0.3, 10.0.0.2")
    assert client_address(scope, trusted) == _ip("198.51.100.7")


def test_a_chain_of_only_trusted_proxies_gives_the_leftmost() -> None:
    trusted = _nets("10.0.0.0/8")
    assert client_address(_scope("10.0.0.1", "10.0.0.3, 10.0.0.2"), trusted) == _ip("10.0.0.3")


def test_a_hop_the_proxy_wrote_that_names_no_address_makes_the_client_unknown() -> None:
    """Else the request would count as coming from the proxy, and a whitelist covering the
    load balancer would let anyone in."""
    trusted = _nets("10.0.0.0/8")
    for forwarded in ("unknown", "", " ", "nonsense", "203.0.113.5, garbage", "203.0.113.5,", "_hidden"):
        assert client_address(_scope("10.0.0.1", forwarded), trusted) is None, forwarded
    # Garbage the client wrote left of the first untrusted hop is never looked at.
    scope = _scope("10.0.0.1", "garbage, 198.51.100.7, 10.0.0.2")
    assert client_address(scope, trusted) == _ip("198.51.100.7")
    # Through a trusted hop, garbage is still garbage.
    assert client_address(_scope("10.0.0.1", "198.51.100.7, unknown, 10.0.0.2"), trusted) is None


def test_hops_with_ports_as_proxies_write_them() -> None:
    trusted = _nets("10.0.0.0/8")
    assert client_address(_scope("10.0.0.1", "203.0.113.5:4711"), trusted) == _ip("203.0.113.5")
    assert client_address(_scope("10.0.0.1", "203.0.113.5:4711, 10.0.0.2:80"), trusted) == _ip("203.0.113.5")
    assert client_address(_scope("10.0.0.1", "203.0.113.5:port"), trusted) is None


def _forwarded(peer: str, *values: str, x_forwarded_for: str | None = None) -> dict[str, Any]:
    scope = _scope(peer) if x_forwarded_for is None else _scope(peer, x_forwarded_for)
    scope["headers"] += [(b"forwarded", v.encode()) for v in values]
    return scope


def test_rfc_7239_forwarded_for() -> None:
    trusted = _nets("10.0.0.0/8")
    assert client_address(_forwarded("10.0.0.1", "for=203.0.113.5"), trusted) == _ip("203.0.113.5")
    assert client_address(_forwarded("10.0.0.1", 'For="[2001:db8:cafe::17]:4711"'), trusted) == _ip(
        "2001:db8:cafe::17"
    )
    value = "for=192.0.2.60;proto=http;by=203.0.113.43, for=10.0.0.2"
    assert client_address(_forwarded("10.0.0.1", value), trusted) == _ip("192.0.2.60")
    # Two headers are one list, in order; the walk stops at the first untrusted hop.
    scope = _forwarded("10.0.0.1", "for=127.0.0.1", "for=198.51.100.7, for=10.0.0.3")
    assert client_address(scope, trusted) == _ip("198.51.100.7")
    for value in ("for=unknown", "for=_hidden", "proto=https", "", 'for="garbage"', "for=203.0.113.5,"):
        assert client_address(_forwarded("10.0.0.1", value), trusted) is None, value
    # From an untrusted peer the header means nothing.
    assert client_address(_forwarded("203.0.113.9", "for=10.0.0.5"), trusted) == _ip("203.0.113.9")


def test_forwarded_and_x_forwarded_for_must_agree() -> None:
    """A proxy writes one of them; the other may be the client's own invention."""
    trusted = _nets("10.0.0.0/8")
    agree = _forwarded("10.0.0.1", "for=203.0.113.5", x_forwarded_for="203.0.113.5")
    assert client_address(agree, trusted) == _ip("203.0.113.5")
    # The client wrote "Forwarded: for=10.0.0.7" (a trusted address) past a proxy that manages XFF.
    forged = _forwarded("10.0.0.1", "for=10.0.0.7", x_forwarded_for="203.0.113.5")
    assert client_address(forged, trusted) is None


def test_ipv6_peers_and_hops() -> None:
    trusted = _nets("fd00::/8", "10.0.0.0/8")
    assert client_address(_scope("::1"), ()) == _ip("::1")
    assert client_address(_scope("fd00::1", "2001:db8::7"), trusted) == _ip("2001:db8::7")
    assert client_address(_scope("2001:db8::9", "2001:db8::7"), trusted) == _ip("2001:db8::9")
    assert client_address(_scope("10.0.0.1", "2001:db8::7, fd00::2"), trusted) == _ip("2001:db8::7")


def test_bracketed_ipv6_hops_with_ports() -> None:
    trusted = _nets("10.0.0.0/8")
    assert client_address(_scope("10.0.0.1", "[2001:db8::7]:443"), trusted) == _ip("2001:db8::7")
    assert client_address(_scope("10.0.0.1", " [2001:db8::7] "), trusted) == _ip("2001:db8::7")
    assert client_address(_scope("[::1]"), ()) == _ip("::1")


def test_no_or_unparseable_peer() -> None:
    assert client_address(_scope(None), ()) is None
    assert client_address(_scope("testclient"), ()) is None
    assert client_address(_scope(None, "198.51.100.7"), _nets("0.0.0.0/0")) is None


def test_an_ipv4_mapped_proxy_address_is_trusted() -> None:
    trusted = _nets("10.0.0.0/8")
    assert client_address(_scope("::ffff:10.0.0.1", "198.51.100.7"), trusted) == _ip("198.51.100.7")


# -- rate limits ----------------------------------------------------------------------------


def _headers(decision: Decision) -> dict[str, str]:
    pairs = decision.headers()
    assert all(isinstance(k, bytes) and isinstance(v, bytes) for k, v in pairs)
    assert len({k for k, _ in pairs}) == len(pairs)
    return {k.decode(): v.decode() for k, v in pairs}


def test_decision_headers_when_allowed() -> None:
    decision = Decision(allowed=True, limit=1000, remaining=993, reset=42)
    assert decision.usage == 7
    assert _headers(decision) == {
        "x-ratelimit-limit": "1000",
        "x-ratelimit-usage": "7",
        "x-ratelimit-remaining": "993",
        "x-ratelimit-reset": "42",
    }


def test_decision_headers_when_refused_add_retry_after() -> None:
    decision = Decision(allowed=False, limit=60, remaining=0, reset=17)
    assert decision.usage == 60
    assert _headers(decision) == {
        "x-ratelimit-limit": "60",
        "x-ratelimit-usage": "60",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": "17",
        "Retry-After": "17",  # capitalised, as the vendor sends it; x-ratelimit-* lowercase
    }


async def test_limiter_counts_per_identity_and_refuses_past_the_limit() -> None:
    limiter = RateLimiter()
    item = parse("3/minute")
    decisions = [await limiter.hit(item, "key:1") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert [d.usage for d in decisions] == [1, 2, 3, 3]
    assert all(d.limit == 3 for d in decisions)
    assert all(0 < d.reset <= 60 for d in decisions)
    assert "Retry-After" not in _headers(decisions[2])
    assert 0 < int(_headers(decisions[3])["Retry-After"]) <= 60
    # Another identity has its own count.
    other = await limiter.hit(item, "key:2")
    assert other.allowed
    assert other.remaining == 2


async def test_blocked_does_not_count() -> None:
    limiter = RateLimiter()
    item = parse("2/minute")
    assert limiter.blocked(item, "ip:1") is None
    assert limiter.blocked(item, "ip:1") is None
    assert (await limiter.hit(item, "ip:1")).remaining == 1
    (await limiter.hit(item, "ip:1"))
    blocked = limiter.blocked(item, "ip:1")
    assert blocked is not None
    assert not blocked.allowed
    assert blocked.remaining == 0
    assert "Retry-After" in _headers(blocked)


async def test_reset_never_exceeds_the_window() -> None:
    decision = await RateLimiter().hit(parse("1/minute"), "key:1")
    assert 0 < decision.reset <= 60


# -- paging ---------------------------------------------------------------------------------


def test_page_defaults() -> None:
    assert provide_page(credential=None) == Page(0, DEFAULT_TAKE) == Page()
    assert DEFAULT_TAKE == 25


@pytest.mark.parametrize(
    ("skip", "take", "page"),
    [
        (0, 0, Page(0, 0)),
        (10, 5, Page(10, 5)),
        (3, None, Page(3, 25)),
        (None, 7, Page(0, 7)),
        (0, MAX_TAKE, Page(0, MAX_TAKE)),
        (0, MAX_TAKE + 1, Page(0, MAX_TAKE)),
        (0, 99_999, Page(0, MAX_TAKE)),
        (5_000_000, 1, Page(5_000_000, 1)),
    ],
)
def test_page_values(skip: int | None, take: int | None, page: Page) -> None:
    """None stands for "not in the query": the argument is left out."""
    given = {name: value for name, value in (("skip", skip), ("take", take)) if value is not None}
    assert provide_page(credential=None, **given) == page


def test_max_take_is_1000() -> None:
    assert MAX_TAKE == 1000


@pytest.fixture(scope="module")
def paging_client() -> Iterator[TestClient[Any]]:
    """A bare Litestar app with the ``page`` dependency and the API's error handlers.

    Negative values are refused before or inside ``provide_page`` (parameter bounds, or
    ValidationFailed): either way the caller must get the same 400 body.
    """

    @get("/items", sync_to_thread=False)
    def items(page: NamedDependency[Page]) -> dict[str, int]:
        return {"skip": page.skip, "take": page.take}

    app = Litestar(
        [items],
        dependencies={
            "credential": Provide(lambda: None, sync_to_thread=False),
            "page": Provide(provide_page, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        logging_config=None,
    )
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    ("query", "page"),
    [
        ("", {"skip": 0, "take": 25}),
        ("?skip=3&take=7", {"skip": 3, "take": 7}),
        ("?take=0", {"skip": 0, "take": 0}),
        ("?take=1000", {"skip": 0, "take": 1000}),
        ("?take=1001", {"skip": 0, "take": 1000}),
        ("?take=99999", {"skip": 0, "take": 1000}),
        ("?skip=5", {"skip": 5, "take": 25}),
    ],
)
def test_paging_over_http(paging_client: TestClient[Any], query: str, page: dict[str, int]) -> None:
    response = paging_client.get("/items" + query)
    assert response.status_code == 200, response.text
    assert response.json() == page


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("?skip=-1", ["skip"]),
        ("?take=-1", ["take"]),
        ("?skip=-5&take=-5", ["skip", "take"]),
        ("?skip=abc", ["skip"]),
        ("?take=1.5", ["take"]),
    ],
)
def test_negative_or_non_integer_values_are_400(
    paging_client: TestClient[Any], query: str, fields: list[str]
) -> None:
    response = paging_client.get("/items" + query)
    assert response.status_code == 400, response.text
    problems = response.json()["validation_errors"]
    assert [p["error_code"] for p in problems] == [errors.PARAMETER_INVALID.code] * len(fields)
    for problem, field in zip(problems, fields, strict=True):
        assert problem["error_text"].startswith(field)


def test_a_missing_table_is_a_schema_error_not_an_outage() -> None:
    """SQLite reports both as OperationalError; only the busy or absent database is worth a retry."""
    import sqlite3

    from sqlalchemy.exc import OperationalError, ProgrammingError

    from reseller_api.conventions.errors import is_outage

    def wrapped(error: Exception, kind: type[Exception] = OperationalError) -> Exception:
        return kind("SELECT 1", {}, error)  # type: ignore[call-arg]

    assert is_outage(wrapped(sqlite3.OperationalError("database is locked")))  # type: ignore[arg-type]
    assert is_outage(wrapped(sqlite3.OperationalError("unable to open database file")))  # type: ignore[arg-type]
    for schema in ("no such table: dns_records", "no such column: x.y", "table t has no column named z"):
        assert not is_outage(wrapped(sqlite3.OperationalError(schema)))  # type: ignore[arg-type]
    assert not is_outage(wrapped(sqlite3.ProgrammingError("bad"), ProgrammingError))  # type: ignore[arg-type]
