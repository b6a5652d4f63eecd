"""What mypy sees of the clients: ``Client().dns`` is ``Dns[Sync]``, ``AsyncClient().dns`` ``Dns[Async]``.

The resources are declared once (``client/resources/catalog.py``) for both clients, and the
job-starting operations are typed per mode by self-typed overloads; nothing at run time would
notice if that typing broke, so this runs mypy (the project's strict configuration) on a
snippet of ``assert_type`` calls, one per declared resource and per mode, plus the operations
whose result depends on the mode and on ``wait``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import get_origin

from reseller_api.client.resources.catalog import declared_resources

ROOT = Path(__file__).resolve().parents[2]

SNIPPET = """\
from collections.abc import Coroutine
from typing import Any, assert_type

from reseller_api.client import AsyncClient, AsyncJob, Client, Job
from reseller_api.client.resources import Async, Sync
from reseller_api.client.resources.accounts import AsyncAccounts
{imports}
from reseller_api.wire.accounts import AccountDetail
from reseller_api.wire.dns import DnsRecord
from reseller_api.wire.domains import DomainDetail
from reseller_api.wire.mysqldatabases import MySqlDatabase, MySqlUser


def synchronous(client: Client) -> None:
{sync_lines}
    assert_type(client.accounts.create("example.com", 1), Job[AccountDetail])
    assert_type(client.accounts.create("example.com", 1, wait=True), AccountDetail)
    assert_type(client.domains.register("example.net", wait=True), DomainDetail)
    assert_type(client.domains.transfer("example.be", "code"), Job[DomainDetail])
    assert_type(client.mysqldatabases.create("db", 1, "pw"), Job[MySqlDatabase])
    assert_type(client.mysqldatabases.create_user("db", "u", "pw", wait=True), list[MySqlUser])
    assert_type(client.dns.records("example.com").get("1"), DnsRecord)


async def asynchronous(client: AsyncClient) -> None:
{async_lines}
    assert_type(client.accounts, AsyncAccounts)
    pending = client.accounts.create("example.com", 1)  # an awaitable, as an async def gives
    assert_type(pending, Coroutine[Any, Any, AsyncJob[AccountDetail]]).close()
    assert_type(await client.accounts.create("example.com", 1), AsyncJob[AccountDetail])
    assert_type(await client.accounts.create("example.com", 1, wait=True), AccountDetail)
    assert_type(await client.domains.register("example.net", wait=True), DomainDetail)
    assert_type(await client.domains.transfer("example.be", "code"), AsyncJob[DomainDetail])
    assert_type(await client.mysqldatabases.create("db", 1, "pw"), AsyncJob[MySqlDatabase])
    assert_type(
        await client.mysqldatabases.create_user("db", "u", "pw", wait=True), list[MySqlUser]
    )
    assert_type(await client.dns.records("example.com").get("1"), DnsRecord)
"""

# A mistake mypy must report, so that a run that checked nothing cannot pass.
WRONG = """
def wrong(client: Client) -> None:
    assert_type(client.dns, Dns[Async])
"""


def _snippet() -> str:
    declared = declared_resources()
    classes = {get_origin(hint) for hint in declared.values()}
    imports = "\n".join(f"from {cls.__module__} import {cls.__name__}" for cls in sorted(classes, key=str))
    lines = {
        mode: "\n".join(
            f"    assert_type(client.{name}, {get_origin(hint).__name__}[{mode}])"
            for name, hint in declared.items()
        )
        for mode in ("Sync", "Async")
    }
    return SNIPPET.format(imports=imports, sync_lines=lines["Sync"], async_lines=lines["Async"])


def _mypy(path: Path) -> subprocess.CompletedProcess[str]:
    # The project's configuration (strict) and cache; the snippet is the only file checked.
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_mypy_types_each_resource_by_the_clients_mode(tmp_path: Path) -> None:
    snippet = _snippet()
    assert snippet.count("assert_type(client.") >= 2 * len(declared_resources())
    right = tmp_path / "typing_right.py"
    right.write_text(snippet)
    done = _mypy(right)
    assert done.returncode == 0, done.stdout + done.stderr

    wrong = tmp_path / "typing_wrong.py"
    wrong.write_text(snippet + WRONG)
    failed = _mypy(wrong)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert 'Expression is of type "Dns[Sync]", not "Dns[Async]"' in failed.stdout
