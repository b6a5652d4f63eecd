"""The Dovecot backend's pure parts: passwd-file lines, MTA maps, Sieve, atomic files, the lock."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.backends.dovecot import (
    HEADER,
    DovecotMail,
    MailboxState,
    MailState,
    SmtpDomainState,
    ZoneState,
    dovecot_password,
    passwd_line,
    publish,
    render_aliases,
    render_anti_spam,
    render_domains,
    render_mailboxes,
    render_smtp_domains,
    replace_file,
    sieve_script,
    split_address,
)
from reseller_api.resources.mailzones.addresses import canonical_address
from reseller_api.settings import Settings

ARGON = "$argon2id$v=19$m=1024,t=1,p=1$8IO6JPitKCioj/hjsVjCAw$ECALW4vns9qADIN3hA3/RuJkIofpWvgRBLY/on82gLs"
SHA512 = "$6$rounds=5000$saltsalt$" + "a" * 86
HOME = Path("/var/mail/vmail/example.com/info")


def body(text: str) -> list[str]:
    assert text.startswith(HEADER)
    return text[len(HEADER) :].splitlines()


def test_passwd_line_fields() -> None:
    assert passwd_line("info@example.com", ARGON, 2048, HOME) == (
        f"info@example.com:{{ARGON2ID}}{ARGON}::::{HOME}::userdb_quota_rule=*:storage=2048M"
    )
    # No size in the pack: no quota rule (unlimited), rather than a zero limit.
    assert (
        passwd_line("info@example.com", SHA512, 0, HOME)
        == f"info@example.com:{{SHA512-CRYPT}}{SHA512}::::{HOME}::"
    )


@pytest.mark.parametrize(
    "password_hash",
    [
        "Secret123x",
        "{PLAIN}Secret123x",
        "$2b$12$abcdefghijklmnopqrstuv",
        ARGON + "\nevil@example.com:{PLAIN}x",
        ARGON + ":0:0",
        ARGON.replace("$argon2id$", "$argon2i$"),
    ],
)
def test_only_argon2id_and_sha512_crypt_hashes_pass(password_hash: str) -> None:
    with pytest.raises(BackendRefused) as refused:
        dovecot_password(password_hash)
    assert "Secret" not in str(refused.value)  # a hash (or password) is never echoed


@pytest.mark.parametrize(
    "address",
    [
        "a:b@example.com",
        "a/../../etc@example.com",
        "..@example.com",
        "a%d@example.com",
        "a b@example.com",
        "a\n@example.com",
        "info@example.com\nevil@example.com",
        "info@exa:mple.com",
        "info@../example.com",
        "Info@example.com",
        "no-at-sign",
        "@example.com",
        # A line starting with "#" is a comment to Dovecot's passwd-file and Postfix's maps.
        "#x@example.com",
        "#@example.com",
    ],
)
def test_addresses_that_could_inject_lines_or_paths_are_refused(address: str) -> None:
    with pytest.raises(BackendRefused):
        split_address(address)
    with pytest.raises(BackendRefused):
        passwd_line(address, ARGON, 1, HOME)


def test_usual_addresses_pass() -> None:
    assert split_address("first.last+tag@xn--bcher-kva.example") == (
        "first.last+tag",
        "xn--bcher-kva.example",
    )
    assert split_address("o'neil@example.com") == ("o'neil", "example.com")
    assert split_address("a#b@example.com") == ("a#b", "example.com")  # "#" inside is no comment


@pytest.mark.parametrize(
    "address",
    [
        "info@example.com",
        "first.last+tag@example.com",
        "a#b@example.com",
        "o'neil@example.com",
        "#x@example.com",
        "a/b@example.com",
        "a%b@example.com",
        "a:b@example.com",
        "a b@example.com",
        ".a@example.com",
        "a.@example.com",
        "a..b@example.com",
        '"a b"@example.com',
    ],
)
def test_the_api_and_the_backend_agree_on_addresses(address: str) -> None:
    """What the API accepts, the platform stores: no creation that is then refused (or lost)."""
    canonical = canonical_address(address)
    try:
        split_address(address)
        stored = True
    except BackendRefused:
        stored = False
    assert (canonical is not None) == stored
    assert canonical in (None, address)


def test_a_home_with_a_colon_is_refused() -> None:
    with pytest.raises(BackendRefused):
        passwd_line("info@example.com", ARGON, 1, Path("/srv/ma:il/info"))


def sample_state() -> MailState:
    return MailState(
        zones={
            "example.com": ZoneState(anti_spam="advanced", catch_all=["info@example.com", "boss@x.be"]),
            "other.be": ZoneState(),
        },
        mailboxes={
            "info@example.com": MailboxState(ARGON, 2048),
            "sales@example.com": MailboxState(ARGON, 2048),
            "jan@other.be": MailboxState(ARGON, 100),
        },
        aliases={"sales@other.be": ["jan@other.be", "ext@x.be"]},
        smtp_domains={
            "send.example.net": SmtpDomainState("example.com", True),
            "off.example.net": SmtpDomainState("example.com", False),
        },
    )


def test_maps_are_postmap_input_one_entry_a_line() -> None:
    state = sample_state()
    assert body(render_domains(state)) == ["example.com OK", "other.be OK"]
    assert body(render_mailboxes(state)) == [
        "info@example.com example.com/info/Maildir/",
        "jan@other.be other.be/jan/Maildir/",
        "sales@example.com example.com/sales/Maildir/",
    ]
    assert body(render_aliases(state)) == [
        "sales@other.be jan@other.be, ext@x.be",
        # A catch-all's domain: each mailbox maps to itself first, or "@domain" would take its mail.
        "info@example.com info@example.com",
        "sales@example.com sales@example.com",
        "@example.com info@example.com, boss@x.be",
    ]
    assert body(render_smtp_domains(state)) == ["send.example.net OK"]
    assert body(render_anti_spam(state)) == ["example.com advanced", "other.be basic"]


def test_a_destination_with_a_newline_cannot_add_a_map_entry() -> None:
    state = MailState(aliases={"a@example.com": ["b@example.com\n@example.com evil@x.be"]})
    with pytest.raises(BackendRefused):
        render_aliases(state)


def test_sieve_script() -> None:
    assert sieve_script({}) is None
    assert (
        sieve_script({"auto_reply": {"enabled": False, "message": "x"}, "auto_forward": {"enabled": False}})
        is None
    )
    script = sieve_script(
        {
            "auto_reply": {"enabled": True, "subject": "", "message": 'He said "hi" \\ bye\r\nLine 2'},
            "auto_forward": {
                "enabled": True,
                "email_addresses": ["a@x.be", "b@x.be"],
                "copy_to_myself": False,
            },
        }
    )
    assert script is not None
    assert body(script) == [
        'require ["vacation"];',
        'vacation "He said \\"hi\\" \\\\ bye',
        'Line 2";',
        'redirect "a@x.be";',
        'redirect "b@x.be";',
    ]
    copy = sieve_script(
        {"auto_forward": {"enabled": True, "email_addresses": ["a@x.be"], "copy_to_myself": True}}
    )
    assert copy is not None
    assert body(copy) == ['require ["copy"];', 'redirect :copy "a@x.be";']


@pytest.mark.parametrize(
    "subject", ["Away\r\nBcc: victim@x.be", "Away\nX: y", "Away\rX: y", "a\tb", "a\x85b", "a\u2028b"]
)
def test_sieve_refuses_a_subject_that_would_break_the_header(subject: str) -> None:
    with pytest.raises(BackendRefused):
        sieve_script({"auto_reply": {"enabled": True, "subject": subject, "message": "m"}})


def test_sieve_keeps_a_multi_line_message_as_one_quoted_string() -> None:
    message = 'Dear "all",\r\n\r\nBack soon.\n.\nC:\\temp ${x}\rEnd'
    script = sieve_script({"auto_reply": {"enabled": True, "subject": "Ünïcode ok", "message": message}})
    assert script is not None
    assert body(script)[1:] == [
        'vacation :subject "Ünïcode ok" "Dear \\"all\\",',
        "",
        "Back soon.",
        ".",  # no dot-stuffing: that is only for text: strings
        "C:\\\\temp ${x}",  # no "variables" extension: ${x} stays literal
        'End";',
    ]
    with pytest.raises(BackendRefused):
        sieve_script({"auto_reply": {"enabled": True, "message": "lone \ud800 surrogate"}})


def test_sieve_refuses_nul_and_bad_forward_addresses() -> None:
    with pytest.raises(BackendRefused):
        sieve_script({"auto_reply": {"enabled": True, "message": "a\x00b"}})
    with pytest.raises(BackendRefused):
        sieve_script({"auto_forward": {"enabled": True, "email_addresses": ['a@x.be";discard;"']}})


# -- files ----------------------------------------------------------------------------------


def test_replace_keeps_mode_and_moves_mtime_for_a_same_size_rewrite(tmp_path: Path) -> None:
    target = tmp_path / "passwd"
    replace_file(target, b"aaaa\n", 0o640)
    assert (target.stat().st_mode & 0o777) == 0o640
    target.chmod(0o600)
    first = target.stat().st_mtime
    replace_file(target, b"bbbb\n", 0o640)
    assert target.read_bytes() == b"bbbb\n"
    assert (target.stat().st_mode & 0o777) == 0o600
    # Dovecot 2.3 notices a passwd-file change only by its mtime second or its size.
    assert int(target.stat().st_mtime) > int(first)
    assert [p.name for p in tmp_path.iterdir()] == ["passwd"]  # no temporary file left


def test_publish_puts_back_what_it_replaced_when_a_later_file_fails(tmp_path: Path) -> None:
    first, created, blocked = tmp_path / "first", tmp_path / "created", tmp_path / "blocked"
    first.write_text("old\n")
    blocked.mkdir()  # a directory where a file should be: reading or replacing it fails
    with pytest.raises(IsADirectoryError):
        publish([(first, "new\n", 0o644), (created, "made\n", 0o644), (blocked, "x\n", 0o644)])
    assert first.read_text() == "old\n"
    assert not created.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked", "first"]


def backend(tmp_path: Path) -> DovecotMail:
    settings = Settings(
        secret_key="x", mail_backend="dovecot", dovecot_passwd_file=tmp_path / "mail" / "passwd"
    )
    return DovecotMail(settings)


def test_a_foreign_passwd_file_is_never_replaced(tmp_path: Path) -> None:
    mail = backend(tmp_path)
    mail.passwd_file.parent.mkdir()
    mail.passwd_file.write_text("root:{PLAIN}x::::/root::\n")
    with pytest.raises(BackendUnavailable):
        mail.ensure_mail_zone("example.com")
    assert mail.passwd_file.read_text() == "root:{PLAIN}x::::/root::\n"


def test_our_passwd_file_without_its_record_is_not_emptied(tmp_path: Path) -> None:
    mail = backend(tmp_path)
    mail.ensure_mailbox("info@example.com", ARGON, 10)
    mail.state_file.unlink()
    before = mail.passwd_file.read_bytes()
    with pytest.raises(BackendUnavailable):
        mail.ensure_mailbox("other@example.com", ARGON, 10)
    assert mail.passwd_file.read_bytes() == before


def test_refusals_write_nothing_and_changes_converge(tmp_path: Path) -> None:
    mail = backend(tmp_path)
    with pytest.raises(BackendRefused):
        mail.ensure_mailbox("info@example.com", "{PLAIN}x", 10)
    with pytest.raises(BackendRefused):
        mail.set_mailbox_password("info@example.com", ARGON)  # no such mailbox
    assert not mail.passwd_file.exists()
    for _ in range(2):  # idempotent
        mail.ensure_mail_zone("example.com")
        mail.ensure_mailbox("info@example.com", ARGON, 10)
    mail.remove_alias("nobody@example.com")
    mail.remove_smtp_domain("nothing.example.net")
    assert body(mail.passwd_file.read_text()) == [
        passwd_line("info@example.com", ARGON, 10, mail.mail_root / "example.com" / "info")
    ]
    mail.remove_mailbox("info@example.com")
    mail.remove_mailbox("info@example.com")
    assert body(mail.passwd_file.read_text()) == []


def test_concurrent_writers_lose_no_change(tmp_path: Path) -> None:
    """Job threads (and a second backend object, as another process would) write at once."""
    writers = [backend(tmp_path), backend(tmp_path)]
    errors: list[BaseException] = []

    def create(n: int) -> None:
        try:
            writers[n % 2].ensure_mailbox(f"u{n}@example.com", ARGON, n)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    names = [line.split(":", 1)[0] for line in body(writers[0].passwd_file.read_text())]
    assert sorted(names) == sorted(f"u{n}@example.com" for n in range(16))
    leftovers = [p.name for p in writers[0].passwd_file.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    assert os.stat(writers[0].state_file).st_mode & 0o777 == 0o600


FORWARD = {"auto_forward": {"enabled": True, "email_addresses": ["old-owner@x.be"], "copy_to_myself": False}}


def test_rules_for_a_mailbox_removed_meanwhile_write_nothing(tmp_path: Path) -> None:
    """A rules update that lost the race against the mailbox's removal must not make its home again."""
    mail = backend(tmp_path)
    mail.ensure_mailbox("info@example.com", ARGON, 10)
    mail.set_mailbox_rules("info@example.com", FORWARD)
    home = mail.mail_root / "example.com" / "info"
    assert (home / ".dovecot.sieve").is_symlink()
    mail.remove_mailbox("info@example.com")
    mail.set_mailbox_rules("info@example.com", FORWARD)  # the update that raced the delete
    assert not home.exists()
    mail.set_mailbox_rules("never@example.com", FORWARD)
    assert not (mail.mail_root / "example.com" / "never").exists()


def test_a_new_mailbox_starts_without_a_stale_sieve_script(tmp_path: Path) -> None:
    mail = backend(tmp_path)
    home = mail.mail_root / "example.com" / "info"
    (home / "sieve").mkdir(parents=True)
    (home / "sieve" / "reseller-api.sieve").write_text('redirect "old-owner@x.be";\n')
    (home / "sieve" / "reseller-api.svbin").write_bytes(b"compiled")
    (home / ".dovecot.sieve").symlink_to("sieve/reseller-api.sieve")
    mail.ensure_mailbox("info@example.com", ARGON, 10)
    assert not (home / ".dovecot.sieve").is_symlink()
    assert not (home / "sieve" / "reseller-api.sieve").exists()
    assert not (home / "sieve" / "reseller-api.svbin").exists()
    # The mailbox's own rules survive ensure_mailbox again (it converges, it does not reset).
    mail.set_mailbox_rules("info@example.com", FORWARD)
    mail.ensure_mailbox("info@example.com", ARGON, 20)
    assert (home / ".dovecot.sieve").is_symlink()
    assert "old-owner@x.be" in (home / "sieve" / "reseller-api.sieve").read_text()
