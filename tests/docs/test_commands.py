"""Every command README.md and docs/ show is one the programs take (``make docs-check``).

- ``reseller-api`` and ``resellerctl``: parsed by the program's own argparse parser, usage
  lines with their options given once (``[--opt X]`` -> ``--opt X``, placeholders filled);
  commands quoted in prose may stop short of a required argument (``reseller-api admin``).
- ``make``: the target (and ``VAR=`` settings) exist in the Makefile.
- Any other program must be listed in :data:`OTHER_PROGRAMS`, with where it is exercised or
  why it is not: a new one makes this test fail until someone says.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
from collections.abc import Callable

import pytest

from tests.docs.documents import ROOT, Command, inline_commands, shell_commands

# Placeholders of usage lines and what stands in for them.
SAMPLES = {
    "NAME": "acme",
    "API_KEY": "0123456789abcdef0123456789abcdef",
    "IP_OR_CIDR": "127.0.0.1",
    "CIDR": "10.0.0.0/8",
    "N": "10",
    "PERIOD": "minute",
    "TYPE": "dns",
    "COUNT": "1",
    "MAX_SIZE_MB": "100",
    "EMAIL": "ops@example.com",
    "URL": "http://127.0.0.1:8000",
    "PATH": "backups/reseller-api.tar.gz",
    "ID": "1",
    "COMMAND": "accounts",
    "SHELL": "bash",
    "TEXT": "a note",
    "FILE": "tests/data/sandbox.yaml",
    "DURATION": "366d",
    "MODE": "manual",
    "STATUS": "429",
    "SECONDS": "0.5",
    "METHOD": "POST",
    "GLOB": "/v2/accounts*",
    "KIND": "account.create",
    "P": "0.5",
}
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z0-9_]*\b")

OTHER_PROGRAMS = {
    "openssl": "makes a key and CSR in README (SSL certificates); not run here: the tests make CSRs "
    "with cryptography (tests/api/test_sslcertificates.py) and download with resellerctl (tests/cli)",
    "pip": "installs ./client alone (README); tests/sdk/test_standalone.py builds and installs the "
    "same into a clean virtualenv",
    "echo": "feeds a password to resellerctl on stdin; run by test_walkthrough.py (README)",
    "mkdir": "run by test_walkthrough.py (docs/operations.md, backups)",
    "pg_dump": "run by test_walkthrough.py against PostgreSQL (docs/operations.md)",
    "pg_restore": "run by test_walkthrough.py against PostgreSQL (docs/operations.md)",
    "dig": "asks PowerDNS over DNS; test_backends_sync_powerdns.py asks the same with dnspython",
    "sqlite3": "creates PowerDNS's gsqlite3 schema (docs/backends.md); test_backend_powerdns.py "
    "loads the same schema file",
    "chown": "system set-up as root (docs/backends.md); the tests set up private servers",
    "useradd": "system set-up as root (docs/backends.md); the tests set up private servers",
    "install": "system set-up as root (docs/backends.md); the tests set up private servers",
    "curl": "drives /sandbox/faults over HTTP in README (Testing your integration); the same request "
    "is made by tests/api/test_sandbox.py and reseller_api.client.testing",
}


def _parse(parser: argparse.ArgumentParser, args: list[str]) -> str | None:
    """argparse's complaint about ``args``, or None when it takes them."""
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
            parser.parse_args(args)
    except SystemExit as exit_:
        if exit_.code not in (0, None):
            return errors.getvalue().strip().splitlines()[-1]
    return None


def _filled(args: tuple[str, ...]) -> list[str]:
    return [PLACEHOLDER.sub(lambda m: SAMPLES.get(m[0], m[0]), arg) for arg in args]


def _parsers() -> dict[str, Callable[[], argparse.ArgumentParser]]:
    from reseller_api.cli.main import build_parser as server
    from reseller_api.client.cli import build_parser as ctl

    return {"reseller-api": server, "resellerctl": ctl}


def _complaints(commands: list[Command], *, complete: bool) -> list[str]:
    parsers = _parsers()
    found = []
    for command in commands:
        if command.program not in parsers:
            continue
        args = _filled(command.args)  # SAMPLES holds placeholders only: real values stay
        complaint = _parse(parsers[command.program](), args)
        if complaint is None:
            continue
        if not complete and "the following arguments are required" in complaint:
            continue  # prose naming a command group: `reseller-api admin`
        found.append(f"{command.where}: {command.program} {' '.join(command.args)}\n    {complaint}")
    return found


def test_every_command_in_a_block_is_taken_by_its_program() -> None:
    commands = shell_commands()
    assert sum(c.program == "reseller-api" for c in commands) > 30  # the extraction works
    assert _complaints(commands, complete=True) == []


def test_every_command_quoted_in_prose_is_taken_by_its_program() -> None:
    commands = inline_commands()
    assert sum(c.program == "reseller-api" for c in commands) > 10
    assert _complaints(commands, complete=False) == []


def test_every_make_target_and_setting_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE))
    variables = set(re.findall(r"^([A-Z_]+) \??=", makefile, re.MULTILINE))
    shown = [c for c in shell_commands() + inline_commands() if c.program == "make"]
    assert len(shown) >= 5
    wrong = []
    for command in shown:
        for word in command.args:
            if word in ("-k", "--keep-going"):  # make's own flags
                continue
            name, is_setting, _ = word.partition("=")
            if is_setting and name not in variables:
                wrong.append(f"{command.where}: make has no setting {name}")
            elif not is_setting and word not in targets:
                wrong.append(f"{command.where}: make has no target {word}")
    assert wrong == []


def test_every_other_program_is_accounted_for() -> None:
    shown = {c.program for c in shell_commands()} - {"reseller-api", "resellerctl", "make", "python"}
    assert shown - set(OTHER_PROGRAMS) == set(), "say in OTHER_PROGRAMS where each is exercised"
    assert set(OTHER_PROGRAMS) - shown == set(), "no longer in the documents: remove it"


@pytest.mark.parametrize(
    ("line", "program", "args"),
    [
        (
            "reseller-api migrate [--status | --dry-run]   # a comment",
            "reseller-api",
            ("migrate", "--status"),
        ),
        (
            "reseller-api backends sync [--only dns|mail|web]",
            "reseller-api",
            ("backends", "sync", "--only", "dns"),
        ),
        (".venv/bin/reseller-api serve", "reseller-api", ("serve",)),
        ("echo 'Secret123x' | resellerctl accounts create x", "resellerctl", ("accounts", "create", "x")),
        ("reseller-api backup b/r-$(date +%F).tar.gz", "reseller-api", ("backup", "b/r-SUBSTITUTED.tar.gz")),
        ("RESELLER_API_X=1 \\\n  reseller-api serve", "reseller-api", ("serve",)),
    ],
)
def test_the_extraction(line: str, program: str, args: tuple[str, ...]) -> None:
    from tests.docs.documents import commands_in

    found = [c for c in commands_in(line, "here") if c.program == program]
    assert [c.args for c in found] == [args]
