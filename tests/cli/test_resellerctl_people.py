"""``resellerctl`` as people meet it in a terminal: help, mistakes, completion, output, errors,
passwords typed at a prompt (through a pseudo-terminal), and updates that change only what is given."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import shlex
import subprocess
import termios
import time

import pytest

from tests.cli.conftest import RESELLERCTL, Site

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def carol(site: Site) -> dict[str, str]:
    return site.key("carol-cli")


@pytest.fixture(scope="module")
def hosted(site: Site, carol: dict[str, str]) -> dict[str, object]:
    """people.example (Starter pack), made with --wait."""
    done = site.ctl("accounts", "create", "people.example", "--servicepack-id", "1", "--ftp-password-stdin",
                    "--wait", "--json", stdin="Secret123x\n", **carol)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _controlling_tty() -> None:  # in the child: the pseudo-terminal becomes its terminal (for getpass)
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def in_terminal(site: Site, args: list[str], answers: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run resellerctl on a pseudo-terminal, typing each answer after a prompt; returns (code, screen)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [*RESELLERCTL, *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=site.env(**env),
        cwd=site.home,
        preexec_fn=_controlling_tty,  # the child needs the terminal as its own
    )
    os.close(follower)
    screen, pending = b"", list(answers)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            screen += chunk
            if pending and screen.rstrip().endswith(b":"):
                time.sleep(0.1)  # the prompt is shown and echo switched off before we type
                os.write(leader, pending.pop(0).encode() + b"\n")
        elif process.poll() is not None:
            break
    process.wait(timeout=30)
    os.close(leader)
    return process.returncode, screen.decode(errors="replace")


# -- help, mistakes, completion (no server needed beyond the site's environment) ----------------


def test_alone_it_shows_help_with_examples(site: Site) -> None:
    for args in ([], ["dns"], ["hostings"]):
        done = site.ctl(*args)
        assert done.returncode == 0, done.stderr
        assert "usage: resellerctl" in done.stdout
        assert "examples:\n  $ resellerctl" in done.stdout


def test_every_help_has_examples_that_parse() -> None:
    """Every command's --help ends with examples, and each example is a command line that parses."""
    from reseller_api.client.cli import build_parser
    from reseller_api.client.cli.parser import Parser

    root = build_parser()
    seen = 0

    def walk(parser: Parser) -> None:
        nonlocal seen
        assert parser.examples, f"{parser.prog} has no examples"
        assert "examples:" in parser.format_help()
        for example in parser.examples:
            # The resellerctl command in the line: after a pipe, before a redirection or a comment.
            line = example.split("  #", 1)[0].split("|")[-1]
            line = line[line.index("resellerctl") :].split(">")[0].split(")")[0]
            words = shlex.split(line)
            assert words[0] == "resellerctl", example
            root.parse_args(words[1:])  # exits (SystemExit) if an example is wrong
            seen += 1
        for action in parser._actions:
            if hasattr(action, "choices") and isinstance(action.choices, dict):
                for child in action.choices.values():
                    walk(child)

    walk(root)
    assert seen > 90


def test_mistakes_say_what_was_meant(site: Site) -> None:
    typo = site.ctl("dsn", "list", "example.com")
    assert typo.returncode == 2
    assert "did you mean 'dns'?" in typo.stderr
    option = site.ctl("dns", "add", "example.com", "A", "--nmae", "www")
    assert "did you mean --name?" in option.stderr
    assert "Run 'resellerctl dns add --help'" in option.stderr
    nested = site.ctl("hostings", "php-verison", "example.com", "8.3")
    assert "did you mean 'php-version'?" in nested.stderr


def test_completion_for_bash_zsh_and_fish(site: Site) -> None:
    for shell in ("zsh", "fish"):
        code = site.ctl("completion", shell)
        assert code.returncode == 0
        assert "resellerctl" in code.stdout
    script = site.ctl("completion", "bash").stdout
    (site.home / "complete.bash").write_text(script)
    line = "resellerctl dns up"
    probe = (
        f"source {site.home / 'complete.bash'}; COMP_LINE='{line}'; COMP_POINT={len(line)}; "
        "COMP_WORDS=(resellerctl dns up); COMP_CWORD=2; "
        "_python_argcomplete resellerctl resellerctl up dns; printf '%s\\n' \"${COMPREPLY[@]}\""
    )
    done = subprocess.run(
        ["bash", "-c", probe], env=site.env(), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.split() == ["update"], done.stderr


# -- output ---------------------------------------------------------------------------------------


def test_tables_tsv_json_and_empty_listings(
    site: Site, carol: dict[str, str], hosted: dict[str, object]
) -> None:
    table = site.ctl("accounts", "show", str(hosted["id"]), "--format", "table", **carol).stdout
    assert "servicepack.name" in table  # nested values flattened
    assert "{" not in table
    piped = site.ctl("accounts", "list", **carol).stdout  # a pipe: TSV, no header
    assert piped.splitlines()[0].split("\t")[:2] == [str(hosted["id"]), "people.example"]
    hosting = site.ctl("hostings", "show", "people.example", "--format", "tsv", **carol).stdout
    assert "ftp_enabled\tyes" in hosting.splitlines()
    assert (
        json.loads(site.ctl("accounts", "list", "--json", **carol).stdout)[0]["identifier"]
        == "people.example"
    )
    empty = site.ctl("domains", "list", "--format", "table", **carol)
    assert empty.stdout.strip() == "No domains."
    assert site.ctl("domains", "list", **carol).stdout == ""  # a pipe gets nothing to parse


def test_errors_name_the_url_and_hint_at_the_fix(site: Site, carol: dict[str, str]) -> None:
    wrong = site.ctl("accounts", "list", **{**carol, "RESELLER_API_SECRET": "not-the-secret"})
    assert wrong.returncode == 1
    error, hint = wrong.stderr.strip().splitlines()
    assert error.startswith("authorization_hmac_invalid: ")
    assert f"(GET {site.server.base_url}/v2/accounts" in error
    assert "was the secret rotated? run `resellerctl configure`" in hint


def test_configure_checks_before_saving(site: Site, carol: dict[str, str]) -> None:
    path = site.home / "config" / "resellerctl.toml"
    before = path.read_text() if path.exists() else ""
    refused = site.ctl("configure", "--profile", "bad", "--url", site.server.base_url,
                       "--api-key", carol["RESELLER_API_KEY"], "--api-secret", "wrong")  # fmt: skip
    assert refused.returncode == 1
    assert "authorization_hmac_invalid" in refused.stderr
    assert (path.read_text() if path.exists() else "") == before
    key, secret = carol["RESELLER_API_KEY"], carol["RESELLER_API_SECRET"]
    # `=`: a generated secret may begin with "-", which would read as an option.
    saved = site.ctl("configure", "--profile", "good", "--url", site.server.base_url, f"--api-key={key}",
                     f"--api-secret={secret}", "--format", "table")  # fmt: skip
    assert saved.returncode == 0, saved.stderr
    assert "checked against the server" in saved.stdout
    offline = site.ctl("configure", "--profile", "later", "--url", "http://127.0.0.1:9", "--api-key", "k",
                       "--api-secret", "s", "--no-verify")  # fmt: skip
    assert offline.returncode == 0


def test_jobs_list_and_a_failed_jobs_reason(site: Site, carol: dict[str, str]) -> None:
    failed = site.ctl("domains", "transfer", "transfer-me.com", "--auth-code", "WRONG", "--wait", **carol)
    assert failed.returncode == 1
    assert failed.stderr.startswith("provisioning_job_failed: Provisioning job ")
    assert "auth" in failed.stderr.lower().split("ended failed: ", 1)[1]
    site.ctl("domains", "register", "people-jobs.net", "--wait", **carol)
    listed = json.loads(site.ctl("jobs", "list", "--json", **carol).stdout)
    assert [(j["what"], j["status"]) for j in listed[:2]] == [
        ("domains register people-jobs.net", "finished"),
        ("domains transfer transfer-me.com", "failed"),
    ]
    assert "auth" in listed[1]["result"].lower()
    assert listed[0]["result"] == "/v2/domains/people-jobs.net"


# -- SRV protocols, and updates that change only what is given (issue 17, item 9) -----------------


def test_srv_protocol_in_either_form(site: Site, carol: dict[str, str], hosted: dict[str, object]) -> None:
    assert "TCP, UDP or TLS (_tcp, _udp, _tls" in site.ctl("dns", "add", "--help").stdout
    for given, service in (("_tcp", "_sip"), ("UDP", "_stun"), ("tls", "_xmpp")):
        added = site.ctl("dns", "add", "people.example", "SRV", "--service", service, "--protocol", given,
                         "--target", "host.people.example", "--port", "5060", "--json", **carol)  # fmt: skip
        assert added.returncode == 0, added.stderr
    shown = json.loads(site.ctl("dns", "list", "people.example", "--type", "SRV", "--json", **carol).stdout)
    assert sorted(r["protocol"] for r in shown) == ["_tcp", "_tls", "_udp"]  # as the vendor answers
    bad = site.ctl("dns", "add", "people.example", "SRV", "--protocol", "sctp", **carol)
    assert bad.returncode == 2
    assert "say TCP, UDP or TLS" in bad.stderr


def test_updates_change_only_the_fields_given(
    site: Site, carol: dict[str, str], hosted: dict[str, object]
) -> None:
    def ok(*args: str) -> str:
        done = site.ctl(*args, **carol)
        assert done.returncode == 0, f"{args}: {done.stderr}"
        return done.stdout

    record = json.loads(ok("dns", "add", "people.example", "A", "--name", "www", "--content", "192.0.2.1",
                           "--ttl", "600", "--json"))["id"]  # fmt: skip
    ok("dns", "update", "people.example", record, "--content", "192.0.2.2")
    shown = json.loads(ok("dns", "show", "people.example", record, "--json"))
    assert (shown["record_name"], shown["content"], shown["ttl"]) == ("www", "192.0.2.2", 600)
    ok("dns", "update", "people.example", record, "A", "--ttl", "300")  # the old form still works
    shown = json.loads(ok("dns", "show", "people.example", record, "--json"))
    assert (shown["record_name"], shown["ttl"]) == ("www", 300)

    task = json.loads(ok("hostings", "task-add", "people.example", "0 3 * * *", "/www/a.php", "--disabled",
                         "--json"))["id"]  # fmt: skip
    ok("hostings", "task-update", "people.example", task, "--script", "/www/b.php")
    [shown] = json.loads(ok("hostings", "tasks", "people.example", "--json"))
    assert (shown["cron_expression"], shown["script_location"], shown["enabled"]) == (
        "0 3 * * *",
        "/www/b.php",
        False,
    )
    ok("hostings", "task-update", "people.example", task, "--enable")
    assert json.loads(ok("hostings", "tasks", "people.example", "--json"))[0]["enabled"] is True

    ok("hostings", "apcu", "people.example", "on", "--size", "64")
    ok("hostings", "apcu", "people.example", "off")  # the size stays (tests/sdk/test_updates.py: not sent)

    created = site.ctl("mailboxes", "create", "box@people.example", "--account-id", str(hosted["id"]),
                       "--password-stdin", stdin="Mailbox123x\n", **carol)  # fmt: skip
    assert created.returncode == 0, created.stderr
    ok("mailboxes", "autoreply", "box@people.example", "on", "--subject", "Away", "--message", "Back Monday")
    ok("mailboxes", "autoreply", "box@people.example", "off")
    ok("mailboxes", "autoforward", "box@people.example", "on", "kept@example.org", "--copy-to-myself")
    ok("mailboxes", "autoforward", "box@people.example", "off")
    box = json.loads(ok("mailboxes", "show", "box@people.example", "--json"))
    assert box["auto_reply"] == {"enabled": False, "subject": "Away", "message": "Back Monday"}
    assert box["auto_forward"] == {
        "enabled": False,
        "email_addresses": ["kept@example.org"],
        "copy_to_myself": True,
    }


# -- passwords in a terminal (defect 3) ---------------------------------------------------------------


def test_accounts_create_asks_for_the_ftp_password_hidden_twice(site: Site, carol: dict[str, str]) -> None:
    code, screen = in_terminal(
        site,
        ["accounts", "create", "prompted.example", "--servicepack-id", "1", "--format", "json"],
        ["Typed123secret", "Typed123secret"],
        carol,
    )
    assert code == 0, screen
    assert screen.count("FTP password") == 2
    assert "Typed123secret" not in screen  # never echoed
    assert '"job_id"' in screen
    mismatch, screen = in_terminal(
        site,
        ["accounts", "create", "mismatch.example", "--servicepack-id", "1"],
        ["Typed123secret", "Other123secret"],
        carol,
    )
    assert mismatch == 2
    assert "the two passwords differ" in screen
    # A pack without a Linux hosting needs no password: no prompt at all.
    code, screen = in_terminal(
        site, ["accounts", "create", "nopass.example", "--servicepack-id", "4"], [], carol
    )
    assert code == 0, screen
    assert "password" not in screen.lower()


def test_password_stdin_typed_in_a_terminal_is_not_echoed(site: Site, carol: dict[str, str]) -> None:
    code, screen = in_terminal(
        site,
        ["accounts", "create", "stdin-tty.example", "--servicepack-id", "1", "--ftp-password-stdin"],
        ["Hidden123secret"],
        carol,
    )
    assert code == 0, screen
    assert "Hidden123secret" not in screen
