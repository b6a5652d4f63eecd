"""The SDK stands alone: ``reseller-api-client`` (./client) installed into a clean virtualenv.

Built and installed offline and in seconds: the wheel is built from a copy of ./client with
this environment's setuptools (``--no-build-isolation --no-index``; the dev extras carry it),
and installed with ``--no-deps`` into a virtualenv made ``--without-pip``. Its dependencies are
not downloaded: the distributions its metadata requires (httpx, msgspec, rich, argcomplete and
what they require in turn, markers evaluated) are linked in from this environment, one
distribution at a time, and nothing else. So a dependency the client imports but does not
declare, or an import of the server, fails here as it would for a user; and the wire types
are checked to import nothing but msgspec and the standard library.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import HeaderParser
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.integration.conftest import Deployment, Server

pytestmark = pytest.mark.integration

CLIENT_SOURCE = Path(__file__).resolve().parents[2] / "client"
SERVER_ONLY = ("litestar", "sqlalchemy", "procrastinate", "acme", "pymysql", "reseller_api.app")


def _run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _requirements(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        headers = HeaderParser().parsestr(archive.read(name).decode())
    return [Requirement(line) for line in headers.get_all("Requires-Dist") or []]


def _closure(requirements: list[Requirement]) -> set[str]:
    """The distributions ``requirements`` need, transitively, as installed here (extras left out)."""
    needed: set[str] = set()
    pending = list(requirements)
    while pending:
        requirement = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name in needed:
            continue
        needed.add(name)
        pending.extend(Requirement(line) for line in metadata.requires(name) or [])
    return needed


def _link_distribution(name: str, site_packages: Path) -> None:
    """Each top-level package, module and ``.dist-info`` of installed ``name``, linked in."""
    distribution = metadata.distribution(name)
    assert distribution.files is not None, f"{name} has no RECORD"
    for top in {file.parts[0] for file in distribution.files}:
        if top in ("..", "__pycache__") or (site_packages / top).exists():
            continue
        (site_packages / top).symlink_to(distribution.locate_file(top))


@pytest.fixture(scope="module")
def clean_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv holding reseller-api-client and its declared dependencies only."""
    work = tmp_path_factory.mktemp("standalone")
    # A copy: building in ./client would leave build/ and *.egg-info in the repository.
    source = work / "client"
    shutil.copytree(
        CLIENT_SOURCE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check")
    _run(*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-w", work / "dist", source)
    (wheel,) = (work / "dist").glob("reseller_api_client-*.whl")

    venv = work / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    _run(*pip, "--python", python, "install", "-q", "--no-deps", "--no-index", wheel)
    site_packages = Path(
        _run(python, "-I", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout.strip()
    )
    requirements = _requirements(wheel)
    assert {canonicalize_name(r.name) for r in requirements} == {"httpx", "msgspec", "rich", "argcomplete"}
    for name in sorted(_closure(requirements)):
        _link_distribution(name, site_packages)
    return venv


def _clean_env(**extra: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "TMPDIR")
    return {**{k: os.environ[k] for k in keep if k in os.environ}, **extra}


def test_the_client_installs_alone_and_works_against_a_server(
    clean_venv: Path, served: tuple[Deployment, Server]
) -> None:
    python = clean_venv / "bin" / "python"
    probe = (
        "import importlib.util, json, sys\n"
        f"names = {SERVER_ONLY!r}\n"
        "print(json.dumps({n: importlib.util.find_spec(n) is not None for n in names}))\n"
    )
    found = json.loads(_run(python, "-I", "-c", probe, env=_clean_env()).stdout)
    assert found == dict.fromkeys(SERVER_ONLY, False)
    # The wire types import msgspec and the standard library, nothing else (not even httpx).
    wire = (
        "import importlib, json, pkgutil, sys\n"
        "import msgspec\n"
        "before = set(sys.modules)\n"
        "import reseller_api.wire as wire\n"
        "for module in pkgutil.iter_modules(wire.__path__):\n"
        "    importlib.import_module(f'reseller_api.wire.{module.name}')\n"
        "tops = {name.partition('.')[0] for name in set(sys.modules) - before}\n"
        "print(json.dumps(sorted(tops - set(sys.stdlib_module_names))))\n"
    )
    assert json.loads(_run(python, "-I", "-c", wire, env=_clean_env()).stdout) == ["reseller_api"]

    help_text = _run(clean_venv / "bin" / "resellerctl", "--help", env=_clean_env()).stdout
    assert help_text.startswith("usage: resellerctl")

    deployment, server = served
    created = deployment.admin_json("key", "create", "--reseller", "alice", "--allow-ip", "127.0.0.1")
    call = (
        "import json, os\n"
        "from reseller_api.client import Client\n"
        "import reseller_api.wire.servicepacks\n"
        "url, key, secret = (os.environ[f'RESELLER_API_{n}'] for n in ('URL', 'KEY', 'SECRET'))\n"
        "with Client(url, key, secret) as client:\n"
        "    packs = client.servicepacks.list()\n"
        "assert all(isinstance(p, reseller_api.wire.servicepacks.Servicepack) for p in packs)\n"
        "print(json.dumps([p.name for p in packs]))\n"
    )
    credentials = {
        "RESELLER_API_URL": server.base_url,
        "RESELLER_API_KEY": created["api_key"],
        "RESELLER_API_SECRET": created["api_secret"],
    }
    names = json.loads(_run(python, "-I", "-c", call, env=_clean_env(**credentials)).stdout)
    assert names
    assert all(isinstance(name, str) for name in names)
    # resellerctl too, signed with the same key (its credentials from the environment).
    listed = _run(
        clean_venv / "bin" / "resellerctl", "accounts", "list", "--json", env=_clean_env(**credentials)
    )
    assert json.loads(listed.stdout) == []
