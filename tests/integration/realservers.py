"""Shared helpers for integration tests that start real servers (PowerDNS, nginx, Dovecot, ...).

Each such test starts a private instance of the server on 127.0.0.1 with a free port and a
throw-away directory. Whether a missing binary skips or fails the test is decided here, once:
developers without the Debian packages get a skip, CI (``RESELLER_API_REQUIRE_REAL_SERVERS=1``)
gets a failure, so a broken CI image cannot silently turn the real-server tests off.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest

REQUIRE_ENV = "RESELLER_API_REQUIRE_REAL_SERVERS"
# Debian puts daemons such as pdns_server, nginx and php-fpm8.2 in sbin, which a normal user's
# PATH often lacks.
_EXTRA_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def _required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") == "1"


def require_binary(name: str) -> str:
    """The absolute path of executable ``name``; skip the test (fail under CI) when absent."""
    search = os.pathsep.join([os.environ.get("PATH", ""), *_EXTRA_DIRS])
    path = shutil.which(name, path=search)
    if path is not None:
        return path
    message = f"{name} not installed"
    if _required():
        pytest.fail(f"{message} but {REQUIRE_ENV}=1", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now (the kernel picks it).

    The port is free for TCP; servers that also bind UDP on it (PowerDNS) almost always find
    UDP free too, since the kernel's ephemeral choice is made from the same range.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
