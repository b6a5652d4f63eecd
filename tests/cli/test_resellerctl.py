"""``resellerctl`` as people run it, whatever the command: profiles, credentials, keys, listings, errors.

Each command group's own cases are in ``tests/cli/commands/test_<name>.py``.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.cli.conftest import Site

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def alice(site: Site) -> dict[str, str]:
    return site.key("alice-cli")


def test_configure_from_bootstrap_writes_a_private_profile(site: Site) -> None:
    done = site.ctl(
        "configure", "--profile", "boot", "--from-bootstrap", "--url", site.server.base_url, "--json"
    )
    assert done.returncode == 0, done.stderr
    path = site.home / "config" / "resellerctl.toml"
    assert json.loads(done.stdout)["path"] == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    secret = site.deployment.bootstrap_credentials()["api_secret"]
    assert secret in path.read_text()
    assert secret not in done.stdout + done.stderr
    listing = site.ctl("--profile", "boot", "servicepacks", "list", "--json")
    assert [p["name"] for p in json.loads(listing.stdout)][:1] == ["Linux hosting Starter"]
    # The profile flag after the command works too; an unknown profile is a clear error.
    assert site.ctl("servicepacks", "list", "--profile", "boot").returncode == 0
    missing = site.ctl("servicepacks", "list", "--profile", "nope")
    assert missing.returncode == 2
    assert "no profile 'nope'" in missing.stderr


def test_configure_with_flags_and_no_terminal(site: Site, alice: dict[str, str]) -> None:
    done = site.ctl(
        "configure", "--profile", "flags", "--url", site.server.base_url,
        f"--api-key={alice['RESELLER_API_KEY']}", f"--api-secret={alice['RESELLER_API_SECRET']}",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert site.ctl("--profile", "flags", "accounts", "list").returncode == 0
    asked = site.ctl("configure", "--profile", "asked")
    assert asked.returncode == 2
    assert "--api-key" in asked.stderr


def test_no_credentials_is_a_clear_error(site: Site) -> None:
    done = site.ctl("accounts", "list", RESELLERCTL_CONFIG=str(site.home / "none.toml"))
    assert done.returncode == 2
    assert "resellerctl configure --from-bootstrap" in done.stderr


def test_a_command_run_again_with_its_idempotency_key_writes_once(site: Site, alice: dict[str, str]) -> None:
    create = ["accounts", "create", "once.example", "--servicepack-id", "4", "--json"]
    first = site.ctl(*create, "--idempotency-key", "order-1234", **alice)
    assert first.returncode == 0, first.stderr
    again = site.ctl(*create, "--idempotency-key", "order-1234", **alice)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["job_id"] == json.loads(first.stdout)["job_id"]
    other = site.ctl(
        "accounts",
        "create",
        "twice.example",
        "--servicepack-id",
        "4",
        "--idempotency-key",
        "order-1234",
        **alice,
    )
    assert other.returncode == 1
    assert "idempotency_key_reused" in other.stderr


def test_listing_is_lazy_and_limited(site: Site, alice: dict[str, str]) -> None:
    limited = site.ctl("servicepacks", "list", "--limit", "2", "--page-size", "1", "--json", **alice)
    assert len(json.loads(limited.stdout)) == 2


def test_an_unreachable_server_is_one_line_and_a_hint(site: Site, alice: dict[str, str]) -> None:
    done = site.ctl("accounts", "list", **{**alice, "RESELLER_API_URL": "http://127.0.0.1:9"})
    assert done.returncode == 1
    assert done.stderr.startswith("transport_error: ")
    error, hint = done.stderr.strip().splitlines()
    assert "(GET http://127.0.0.1:9/v2/accounts" in error
    assert hint.startswith("hint: is the server running at http://127.0.0.1:9?")


def test_every_module_of_the_commands_package_is_a_command_in_its_place() -> None:
    """``resellerctl`` finds its commands in ``cli/commands/``: each module, none twice, in ``ORDER``."""
    from reseller_api.client.cli import build_parser, command_modules
    from reseller_api.client.cli import commands as package

    modules = command_modules()
    files = sorted(p.stem for p in Path(package.__file__).parent.glob("*.py") if not p.stem.startswith("_"))
    assert sorted(m.__name__.rsplit(".", 1)[1] for m in modules) == files
    assert all(callable(m.register) for m in modules)
    orders = [m.ORDER for m in modules]
    assert len(set(orders)) == len(orders), "two command modules with one ORDER: their place is a toss-up"
    assert modules[0].__name__.endswith(".configure")
    assert modules[-1].__name__.endswith(".completion")
    listed = build_parser().format_help().split("COMMAND\n", 2)[-1]
    assert listed.index("configure") < listed.index("accounts") < listed.index("completion")
