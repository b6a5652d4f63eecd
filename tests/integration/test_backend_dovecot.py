"""The Dovecot mail backend against a real, private Dovecot, driven through the API.

One ``dovecot -F`` per module, with its own configuration, base_dir and log in a throw-away
directory and no listener at all (``protocols =``): ``doveadm auth test`` and ``doveadm user``
talk to its auth process over the sockets under base_dir. Its passdb and userdb read the
passwd-file the backend writes; each test starts from an empty mail platform.
"""

from __future__ import annotations

import dataclasses
import grp
import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from reseller_api.backends.dovecot import DovecotMail
from reseller_api.crypto import hash_password, verify_password
from reseller_api.resources.mailzones.tables import mailboxes
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from tests.harness import Caller
from tests.integration.realservers import require_binary

DOMAIN = "mail-test.be"
INFO = f"info@{DOMAIN}"
PASSWORD = "Mailbox123x"
NEW_PASSWORD = "Changed456y"
START_TIMEOUT = 10.0
# Dovecot re-reads a passwd-file at most once a second (and when its mtime or size changed).
SYNC_TIMEOUT = 4.0

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = reseller-api-test
protocols =
listen = 127.0.0.1
ssl = no
auth_mechanisms = plain
# The tests fail logins on purpose: no delay, no growing penalty (it would reach 15 s).
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
# Every process runs as whoever runs the tests: no system user needs access to the tmp dir.
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
mail_location = maildir:~/Maildir
service auth {{
  user = {user}
}}
passdb {{
  driver = passwd-file
  args = scheme=ARGON2ID {passwd}
}}
userdb {{
  driver = passwd-file
  args = {passwd}
}}
"""


@dataclasses.dataclass
class Dovecot:
    doveadm: str
    config: Path
    mail_dir: Path

    @property
    def passwd_file(self) -> Path:
        return self.mail_dir / "passwd"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.doveadm, "-c", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )

    def authenticates(self, user: str, password: str) -> bool:
        done = self.run("auth", "test", user, password)
        # 0: success; 77: authentication failed (unknown user or wrong password).
        assert done.returncode in (0, 77), done.stdout + done.stderr
        return done.returncode == 0

    def eventually(self, user: str, password: str, expected: bool) -> None:
        deadline = time.monotonic() + SYNC_TIMEOUT
        while self.authenticates(user, password) != expected:
            assert time.monotonic() < deadline, f"auth of {user} still not {expected}"
            time.sleep(0.2)

    def user_fields(self, user: str) -> dict[str, str] | None:
        """The userdb's answer (``doveadm user -u``: the lookup alone, no mail storage)."""
        done = self.run("user", "-u", user)
        if done.returncode == 67:  # unknown user
            return None
        assert done.returncode == 0, done.stdout + done.stderr
        rows = [line.split(":", 1) for line in done.stdout.splitlines()[1:] if ":" in line]
        return {key.strip(): value.strip() for key, value in rows}


@pytest.fixture(scope="module")
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dovecot]:
    binary = require_binary("dovecot")
    doveadm = require_binary("doveadm")
    root = tmp_path_factory.mktemp("dovecot")
    mail_dir = root / "mail"
    mail_dir.mkdir()
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            root=root,
            passwd=mail_dir / "passwd",
            user=pwd.getpwuid(os.geteuid()).pw_name,
            group=grp.getgrgid(os.getegid()).gr_name,
        )
    )
    with (root / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen(
            [binary, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
        )
    server = Dovecot(doveadm, config, mail_dir)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not (root / "run" / "auth-client").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                pytest.fail(f"dovecot did not start:\n{(root / 'stderr.log').read_text()}{log}")
            time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def mail(dovecot: Dovecot) -> Dovecot:
    """An empty mail platform for each test (the Dovecot process stays)."""
    for entry in dovecot.mail_dir.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    return dovecot


@pytest.fixture
def settings(settings: Settings, mail: Dovecot) -> Settings:
    return dataclasses.replace(settings, mail_backend="dovecot", dovecot_passwd_file=mail.passwd_file)


def make_account(api: Caller, domain: str = DOMAIN) -> int:
    """An account on the "Mail only" pack (5 mailboxes of 2048 MB): its job makes the mail zone."""
    response = api.post("/v2/accounts", {"identifier": domain, "servicepack_id": 3})
    assert response.status_code == 202, response.text
    done = api.wait_job(response.headers["location"])
    assert done.status_code == 201, done.text
    return int(done.json()["resource_links"][0].rsplit("/", 1)[1])


def create_mailbox(api: Caller, account: int, address: str, password: str = PASSWORD) -> int:
    body = {"email_address": address, "account_id": account, "password": password}
    return api.post("/v2/mailboxes", body).status_code


def lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if not line.startswith("#")]


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file() and p.suffix != ".lock"
    }


def test_mailbox_authenticates_and_follows_its_password(api: Caller, mail: Dovecot) -> None:
    account = make_account(api)
    assert lines(mail.mail_dir / "virtual_domains") == [f"{DOMAIN} OK"]
    assert create_mailbox(api, account, INFO) == 201
    # The test suite's cheap argon2id parameters still make a PHC string Dovecot verifies.
    assert "{ARGON2ID}$argon2id$v=19$m=1024,t=1,p=1$" in mail.passwd_file.read_text()
    mail.eventually(INFO, PASSWORD, True)
    assert not mail.authenticates(INFO, "Wrong123x")
    assert not mail.authenticates(f"nobody@{DOMAIN}", PASSWORD)
    fields = mail.user_fields(INFO)
    assert fields is not None
    assert fields["quota_rule"] == "*:storage=2048M"
    assert fields["home"] == str(mail.mail_dir / "vmail" / DOMAIN / "info")
    assert lines(mail.mail_dir / "virtual_mailboxes") == [f"{INFO} {DOMAIN}/info/Maildir/"]

    changed = api.put(f"/v2/mailboxes/{INFO}/password", {"password": NEW_PASSWORD})
    assert changed.status_code == 204, changed.text
    mail.eventually(INFO, PASSWORD, False)
    mail.eventually(INFO, NEW_PASSWORD, True)

    assert api.delete(f"/v2/mailboxes/{INFO}").status_code == 204
    mail.eventually(INFO, NEW_PASSWORD, False)
    assert mail.user_fields(INFO) is None
    assert lines(mail.mail_dir / "virtual_mailboxes") == []


def test_zone_settings_become_mta_maps_and_sieve(api: Caller, mail: Dovecot) -> None:
    account = make_account(api)
    zone = f"/v2/mailzones/{DOMAIN}"
    assert create_mailbox(api, account, INFO) == 201
    alias = {"email_address": f"sales@{DOMAIN}", "destinations": [INFO, "boss@other.org"]}
    assert api.post(f"{zone}/aliases", alias).status_code == 201
    assert api.post(f"{zone}/catchall", {"email_address": INFO}).status_code == 201
    assert api.post(f"{zone}/smtpdomains", {"hostname": "send.example.net"}).status_code == 201
    assert api.put(f"{zone}/antispam", {"type": "advanced"}).status_code == 204
    maps = mail.mail_dir
    assert lines(maps / "virtual_aliases") == [
        f"sales@{DOMAIN} {INFO}, boss@other.org",
        f"{INFO} {INFO}",  # the mailbox wins over the catch-all
        f"@{DOMAIN} {INFO}",
    ]
    assert lines(maps / "smtp_domains") == ["send.example.net OK"]
    assert lines(maps / "anti_spam") == [f"{DOMAIN} advanced"]
    assert api.put(f"{zone}/smtpdomains/send.example.net", {"enabled": False}).status_code == 202
    assert lines(maps / "smtp_domains") == []
    assert api.delete(f"{zone}/catchall/{INFO}").status_code == 204
    assert lines(maps / "virtual_aliases") == [f"sales@{DOMAIN} {INFO}, boss@other.org"]

    reply = {"enabled": True, "subject": 'Away "today"', "message": "Back on Monday.\nRegards"}
    assert api.put(f"/v2/mailboxes/{INFO}/autoreply", reply).status_code == 204
    forward = {"enabled": True, "email_addresses": ["me@other.org"], "copy_to_myself": True}
    assert api.put(f"/v2/mailboxes/{INFO}/autoforward", forward).status_code == 204
    home = maps / "vmail" / DOMAIN / "info"
    assert os.readlink(home / ".dovecot.sieve") == "sieve/reseller-api.sieve"
    assert lines(home / "sieve" / "reseller-api.sieve") == [
        'require ["vacation", "copy"];',
        'vacation :subject "Away \\"today\\"" "Back on Monday.',
        'Regards";',
        'redirect :copy "me@other.org";',
    ]
    assert api.put(f"/v2/mailboxes/{INFO}/autoreply", {"enabled": False}).status_code == 204
    assert api.put(f"/v2/mailboxes/{INFO}/autoforward", {"enabled": False}).status_code == 204
    assert not (home / ".dovecot.sieve").is_symlink()
    assert not (home / "sieve" / "reseller-api.sieve").exists()


def test_removing_the_zone_takes_its_mailboxes_and_maps(settings: Settings, mail: Dovecot) -> None:
    # No API call removes a mail zone (only a failed account job does): call the backend.
    backend = DovecotMail(settings)
    backend.ensure_mail_zone(DOMAIN)
    backend.ensure_mail_zone("other.be")
    backend.ensure_mailbox(INFO, hash_password(PASSWORD), 100)
    backend.ensure_mailbox("keep@other.be", hash_password(PASSWORD), 100)
    backend.set_alias(f"sales@{DOMAIN}", [INFO])
    backend.set_catch_all(DOMAIN, [INFO])
    backend.set_smtp_domain(DOMAIN, "send.example.net", True)
    (mail.mail_dir / "vmail" / DOMAIN / "info" / "Maildir").mkdir(parents=True)
    mail.eventually(INFO, PASSWORD, True)

    backend.remove_mail_zone(DOMAIN)
    backend.remove_mail_zone(DOMAIN)  # idempotent
    mail.eventually(INFO, PASSWORD, False)
    assert mail.authenticates("keep@other.be", PASSWORD)
    assert lines(mail.mail_dir / "virtual_domains") == ["other.be OK"]
    assert lines(mail.mail_dir / "virtual_aliases") == []
    assert lines(mail.mail_dir / "smtp_domains") == []
    # The old mail is gone: a zone made again at the same name starts empty.
    assert not (mail.mail_dir / "vmail" / DOMAIN).exists()


def test_a_failed_write_leaves_files_and_rows_as_they_were(
    api: Caller, mail: Dovecot, database: Database
) -> None:
    account = make_account(api)
    assert create_mailbox(api, account, INFO) == 201
    mail.eventually(INFO, PASSWORD, True)
    before = snapshot(mail.mail_dir)
    # A directory where a map should be: the passwd file is replaced first, then this write
    # fails, and the backend must put the passwd file back (works as root too, unlike chmod).
    blocker = mail.mail_dir / "virtual_mailboxes"
    blocker.unlink()
    blocker.mkdir()
    before.pop("virtual_mailboxes")

    refused = api.post(
        "/v2/mailboxes", {"email_address": f"new@{DOMAIN}", "account_id": account, "password": PASSWORD}
    )
    assert refused.status_code == 503, refused.text
    assert refused.json()["error_code"] == "backend_unavailable"
    assert [m["name"] for m in api.get(f"/v2/mailboxes?domain_name={DOMAIN}").json()] == [INFO]
    assert snapshot(mail.mail_dir) == before

    with database.engine.connect() as conn:
        stored_before = conn.execute(select(mailboxes.c.password_hash)).scalar_one()
    changed = api.put(f"/v2/mailboxes/{INFO}/password", {"password": NEW_PASSWORD})
    assert changed.status_code == 503, changed.text
    with database.engine.connect() as conn:
        assert conn.execute(select(mailboxes.c.password_hash)).scalar_one() == stored_before
    assert verify_password(stored_before, PASSWORD)
    assert snapshot(mail.mail_dir) == before
    assert mail.authenticates(INFO, PASSWORD)
    assert not mail.authenticates(f"new@{DOMAIN}", PASSWORD)

    # Once the platform is fixed, doing it again converges.
    blocker.rmdir()
    assert create_mailbox(api, account, f"new@{DOMAIN}") == 201
    assert api.put(f"/v2/mailboxes/{INFO}/password", {"password": NEW_PASSWORD}).status_code == 204
    mail.eventually(f"new@{DOMAIN}", PASSWORD, True)
    mail.eventually(INFO, NEW_PASSWORD, True)
    assert lines(mail.mail_dir / "virtual_mailboxes") == [
        f"{INFO} {DOMAIN}/info/Maildir/",
        f"new@{DOMAIN} {DOMAIN}/new/Maildir/",
    ]


def test_account_job_retries_an_unwritable_platform_then_converges(api: Caller, mail: Dovecot) -> None:
    blocker = mail.mail_dir / "virtual_domains"
    blocker.mkdir(parents=True)
    response = api.post("/v2/accounts", {"identifier": DOMAIN, "servicepack_id": 3})
    assert response.status_code == 202, response.text
    location = response.headers["location"]
    time.sleep(1.0)  # the first attempt fails; the job waits 2 s before the next
    assert api.get(location).json()["status"] == "ongoing"
    assert not mail.passwd_file.exists() or lines(mail.passwd_file) == []
    blocker.rmdir()
    done = api.wait_job(location, timeout=20)
    assert done.status_code == 201, done.text
    assert lines(mail.mail_dir / "virtual_domains") == [f"{DOMAIN} OK"]


def test_every_mail_change_the_platform_cannot_write_leaves_our_rows(api: Caller, mail: Dovecot) -> None:
    account = make_account(api)
    zone = f"/v2/mailzones/{DOMAIN}"
    assert create_mailbox(api, account, INFO) == 201
    alias = f"sales@{DOMAIN}"
    assert api.post(f"{zone}/aliases", {"email_address": alias, "destinations": [INFO]}).status_code == 201
    assert api.post(f"{zone}/catchall", {"email_address": INFO}).status_code == 201
    assert api.post(f"{zone}/smtpdomains", {"hostname": "send.example.net"}).status_code == 201
    zone_before = api.get(zone).json()
    mailbox_before = api.get(f"/v2/mailboxes/{INFO}").json()
    files_before = snapshot(mail.mail_dir)
    blocker = mail.mail_dir / "virtual_mailboxes"
    blocker.unlink()
    blocker.mkdir()
    files_before.pop("virtual_mailboxes")
    home = mail.mail_dir / "vmail" / DOMAIN / "info"
    home.mkdir(parents=True)
    (home / "sieve").write_text("a file where the Sieve directory should be")

    attempts = [
        api.put(f"{zone}/aliases/{alias}", {"destinations": ["other@x.be"]}),
        api.post(f"{zone}/catchall", {"email_address": "boss@x.be"}),
        api.delete(f"{zone}/catchall/{INFO}"),
        api.put(f"{zone}/antispam", {"type": "advanced"}),
        api.put(f"{zone}/smtpdomains/send.example.net", {"enabled": False}),
        api.put(f"/v2/mailboxes/{INFO}/autoreply", {"enabled": True, "message": "Away"}),
        api.put(
            f"/v2/mailboxes/{INFO}/autoforward",
            {"enabled": True, "email_addresses": ["me@x.be"], "copy_to_myself": False},
        ),
    ]
    assert [r.status_code for r in attempts] == [503] * len(attempts), [r.text for r in attempts]
    assert api.get(zone).json() == zone_before
    assert api.get(f"/v2/mailboxes/{INFO}").json() == mailbox_before
    assert snapshot(mail.mail_dir) == files_before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v2/mailboxes", {"email_address": f"#x@{DOMAIN}", "password": PASSWORD}),
        (f"/v2/mailboxes/{DOMAIN}", {"email": "#x", "password": PASSWORD}),
        (f"/v2/mailboxes/{DOMAIN}", {"email": "a/b", "password": PASSWORD}),
        (f"/v2/mailzones/{DOMAIN}/aliases", {"email_address": f"#sales@{DOMAIN}", "destinations": [INFO]}),
        (
            f"/v2/mailzones/{DOMAIN}/aliases",
            {"email_address": f"sales@{DOMAIN}", "destinations": ["#b@x.be"]},
        ),
        (
            f"/v2/mailzones/{DOMAIN}/aliases",
            {"email_address": f"sales@{DOMAIN}", "destinations": ["a%b@x.be"]},
        ),
        (f"/v2/mailzones/{DOMAIN}/catchall", {"email_address": "#boss@x.be"}),
    ],
)
def test_addresses_the_platform_cannot_store_are_refused_before_anything_is_made(
    api: Caller, mail: Dovecot, path: str, body: dict[str, object]
) -> None:
    """A leading "#" would make the address's passwd-file and map lines comments: it would
    silently not exist. The API says so (400) instead of creating it."""
    account = make_account(api)
    assert create_mailbox(api, account, INFO) == 201
    files_before = snapshot(mail.mail_dir)
    zone_before = api.get(f"/v2/mailzones/{DOMAIN}").json()
    if "password" in body:
        body = {**body, "account_id": account}
    refused = api.post(path, body)
    assert refused.status_code == 400, refused.text
    errors = refused.json()["validation_errors"]
    assert [e["error_code"] for e in errors] == ["email_address_invalid"], errors
    assert "cannot start with #" in errors[0]["error_text"] or "cannot contain" in errors[0]["error_text"]
    assert snapshot(mail.mail_dir) == files_before
    assert api.get(f"/v2/mailzones/{DOMAIN}").json() == zone_before
    assert [m["name"] for m in api.get(f"/v2/mailboxes?domain_name={DOMAIN}").json()] == [INFO]

    forward = {"enabled": True, "email_addresses": ["#t@x.be"], "copy_to_myself": False}
    refused = api.put(f"/v2/mailboxes/{INFO}/autoforward", forward)
    assert refused.status_code == 400, refused.text
    assert not (mail.mail_dir / "vmail" / DOMAIN / "info" / ".dovecot.sieve").is_symlink()


def test_a_new_mailbox_never_inherits_the_previous_owners_rules(
    api: Caller, mail: Dovecot, settings: Settings
) -> None:
    account = make_account(api)
    assert create_mailbox(api, account, INFO) == 201
    forward = {"enabled": True, "email_addresses": ["old-owner@other.org"], "copy_to_myself": False}
    assert api.put(f"/v2/mailboxes/{INFO}/autoforward", forward).status_code == 204
    home = mail.mail_dir / "vmail" / DOMAIN / "info"
    assert (home / ".dovecot.sieve").is_symlink()
    assert api.delete(f"/v2/mailboxes/{INFO}").status_code == 204
    assert not home.exists()
    # A rules update that passed its checks before the delete reaches the platform after it.
    DovecotMail(settings).set_mailbox_rules(INFO, {"auto_forward": forward})
    assert not home.exists()

    # And a home left with a script (say, by a version without that check): a new mailbox
    # at the address starts without it.
    (home / "sieve").mkdir(parents=True)
    (home / "sieve" / "reseller-api.sieve").write_text('redirect "old-owner@other.org";\n')
    (home / ".dovecot.sieve").symlink_to("sieve/reseller-api.sieve")
    assert create_mailbox(api, account, INFO) == 201
    mail.eventually(INFO, PASSWORD, True)
    assert not (home / ".dovecot.sieve").is_symlink()
    assert not (home / "sieve" / "reseller-api.sieve").exists()
    assert api.get(f"/v2/mailboxes/{INFO}").json()["auto_forward"]["enabled"] is False


def test_an_auto_reply_subject_cannot_inject_headers_and_the_message_keeps_its_lines(
    api: Caller, mail: Dovecot
) -> None:
    account = make_account(api)
    assert create_mailbox(api, account, INFO) == 201
    target = f"/v2/mailboxes/{INFO}/autoreply"
    home = mail.mail_dir / "vmail" / DOMAIN / "info"
    for subject in ["Away\r\nBcc: victim@x.be", "Away\nBcc: victim@x.be", "Away\u2028x", "Away\x85x"]:
        refused = api.put(target, {"enabled": True, "subject": subject, "message": "m"})
        assert refused.status_code == 400, refused.text
        assert refused.json()["validation_errors"][0]["error_code"] == "autoreply_subject_invalid"
    refused = api.put(target, {"enabled": True, "subject": "Away", "message": "a\x00b"})
    assert refused.status_code == 400, refused.text
    assert refused.json()["validation_errors"][0]["error_code"] == "autoreply_message_invalid"
    assert not home.exists()

    message = 'Hello,\r\n\r\nI am away; "urgent" mail to C:\\help.\r\n.\r\nBye'
    assert api.put(target, {"enabled": True, "subject": "Away", "message": message}).status_code == 204
    assert lines(home / "sieve" / "reseller-api.sieve") == [
        'require ["vacation"];',
        'vacation :subject "Away" "Hello,',
        "",
        'I am away; \\"urgent\\" mail to C:\\\\help.',
        ".",
        'Bye";',
    ]
