"""Each command group of ``resellerctl``, one module per ``cli/commands/<name>.py``.

One server for the whole package, as for one module: alice's account (``account``) is made
once, with ``--wait``, and the groups' tests work in it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from tests.cli.conftest import Site, running_site
from tests.harness import DatabaseFactory

PASSWORD = "Secret123x\n"


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory, db_factory: DatabaseFactory) -> Iterator[Site]:
    with running_site(tmp_path_factory, db_factory) as running:
        yield running


@pytest.fixture(scope="package")
def alice(site: Site) -> dict[str, str]:
    return site.key("alice-cli")


@pytest.fixture(scope="package")
def bob(site: Site) -> dict[str, str]:
    return site.key("bob-cli")


@pytest.fixture(scope="package")
def account(site: Site, alice: dict[str, str]) -> dict[str, object]:
    """cli.example (Starter pack): its hosting, DNS zone and mail zone, made with --wait."""
    args = ["create", "cli.example", "--servicepack-id", "1", "--ftp-password-stdin", "--wait", "--json"]
    done = site.ctl("accounts", *args, stdin=PASSWORD, **alice)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.fixture(scope="package")
def ok(site: Site, alice: dict[str, str]) -> Callable[..., str]:
    """``resellerctl`` as alice, asserting it succeeded: ``ok("dns", "list", ..., stdin=...)``."""

    def run(*args: str, stdin: str = "") -> str:
        done = site.ctl(*args, stdin=stdin, **alice)
        assert done.returncode == 0, f"{args}: {done.stderr}"
        return done.stdout

    return run
