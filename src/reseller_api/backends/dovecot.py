"""Dovecot mail platform: a passwd-file user database, Postfix ``texthash:`` maps, Sieve scripts.

What it writes (docs/backends.md has the matching dovecot.conf and Postfix main.cf lines):

- ``RESELLER_API_DOVECOT_PASSWD_FILE``: one line per mailbox, for Dovecot's passwd-file passdb
  and userdb: ``address:{ARGON2ID}$argon2id$...::::home::userdb_quota_rule=*:storage=NM``.
  Empty uid/gid fields: Dovecot's global ``mail_uid``/``mail_gid`` (one virtual-mail user).
- In ``RESELLER_API_MAIL_MAPS_DIR`` (default: the passwd file's directory), ``key value`` lines
  in ``postmap`` input form, which Postfix reads as ``texthash:`` tables without ``postmap``:
  ``virtual_domains``, ``virtual_mailboxes``, ``virtual_aliases`` (aliases and catch-alls),
  ``smtp_domains`` (sender domains) and ``anti_spam`` (each domain's level, for the spam filter).
- ``<passwd file>.state.json``: our own record of all of the above; every file is rendered
  whole from it, so any call converges all of them. ``<passwd file>.lock`` serialises the
  read-modify-write among job threads and processes (``fcntl.flock``).
- Per mailbox, with auto-reply or auto-forward on: ``<home>/sieve/reseller-api.sieve``, made
  active by the ``<home>/.dovecot.sieve`` symlink (Pigeonhole's default ``sieve`` setting).

Homes are ``<mail root>/<domain>/<local part>``; the mail root is ``vmail`` beside the passwd
file. Every file is replaced atomically (temporary file in the same directory, fsync,
``os.replace``), so Dovecot and Postfix never read half a file; when one file of a change cannot
be written, those already replaced are put back, so a failed call leaves the previous files.
Errors: a file that cannot be written (permissions, disk full, lock held too long) raises
:class:`BackendUnavailable`; a value that cannot be expressed safely in these files (an address
with ``:``, ``/``, ``%``, white space or a leading ``#``, an auto-reply subject with a line
break, an unknown password hash) raises :class:`BackendRefused`.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import stat
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.backends.files import write_atomically
from reseller_api.settings import Settings, SettingsError

log = logging.getLogger("reseller_api.backends.dovecot")

HEADER = "# Written by reseller-api from its own records: edits here are overwritten.\n"
DEFAULT_ANTI_SPAM = "basic"
LOCK_TIMEOUT = 10.0
SIEVE_DIR = "sieve"
SIEVE_SCRIPT = "reseller-api.sieve"
SIEVE_ACTIVE = ".dovecot.sieve"
# Modes for files created here; an existing file keeps its own mode and group.
PASSWD_MODE = 0o640  # Dovecot's auth process reads it (group dovecot): hashes stay private
MAP_MODE = 0o644
STATE_MODE = 0o600

# Lowercase, unquoted local parts (RFC 5322 atext) without "/" and "%": a local part becomes a
# directory name, and "%" would be expanded by Dovecot. Not starting with "#": the address
# begins its passwd-file and map lines, and Dovecot and Postfix skip a line starting with "#"
# as a comment (the API's canonical_address refuses the same addresses).
_LOCAL = re.compile(r"(?!#)[a-z0-9!#$&'*+=?^_`{|}~-]+(?:\.[a-z0-9!#$&'*+=?^_`{|}~-]+)*")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}")
_LEVEL = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_ARGON2ID = re.compile(r"\$argon2id\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+")
_SHA512_CRYPT = re.compile(r"\$6\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{86}")
# Characters that would end a passwd-file field or line, or start a Dovecot %variable.
_UNSAFE_IN_FIELD = re.compile(r"[:%\s\x00-\x1f\x7f]")
# Unicode categories a header value never holds: controls (CR, LF, ...), line and paragraph
# separators, lone surrogates.
_NOT_IN_HEADER = frozenset({"Cc", "Zl", "Zp", "Cs"})


# -- our record -----------------------------------------------------------------------------


class ZoneState(msgspec.Struct):
    anti_spam: str = DEFAULT_ANTI_SPAM
    catch_all: list[str] = []


class MailboxState(msgspec.Struct):
    password_hash: str
    quota_mb: int


class SmtpDomainState(msgspec.Struct):
    mail_zone: str
    enabled: bool


class MailState(msgspec.Struct):
    """Everything the files say, in one document: the files are always rendered from it."""

    version: int = 1
    zones: dict[str, ZoneState] = {}
    mailboxes: dict[str, MailboxState] = {}
    aliases: dict[str, list[str]] = {}
    smtp_domains: dict[str, SmtpDomainState] = {}


# -- checks and rendering (pure) --------------------------------------------------------------


def split_address(address: str) -> tuple[str, str]:
    """``(local part, domain)`` of an address safe to write in every file, else BackendRefused."""
    local, at, domain = address.rpartition("@")
    if not at or not _LOCAL.fullmatch(local) or not _DOMAIN.fullmatch(domain):
        raise BackendRefused(f"the mail platform cannot store the address {address!r}.")
    return local, domain


def check_domain(domain: str) -> str:
    if not _DOMAIN.fullmatch(domain):
        raise BackendRefused(f"the mail platform cannot store the domain {domain!r}.")
    return domain


def dovecot_password(password_hash: str) -> str:
    """The passwd-file password field: the hash with Dovecot's scheme prefix."""
    if _ARGON2ID.fullmatch(password_hash):
        return "{ARGON2ID}" + password_hash
    if _SHA512_CRYPT.fullmatch(password_hash):
        return "{SHA512-CRYPT}" + password_hash
    # Never echo the value: it is a password hash.
    raise BackendRefused("the mail platform accepts only argon2id or SHA512-CRYPT password hashes.")


def check_field(value: str, what: str) -> str:
    """Refuse a value that would end a passwd-file field or line (defence against injected lines)."""
    if not value or _UNSAFE_IN_FIELD.search(value):
        raise BackendRefused(f"the mail platform cannot store {what} {value!r}.")
    return value


def home_of(mail_root: Path, address: str) -> Path:
    local, domain = split_address(address)
    return mail_root / domain / local


def passwd_line(address: str, password_hash: str, quota_mb: int, home: Path) -> str:
    """``user:password:uid:gid:gecos:home:shell:extra fields``; uid and gid from Dovecot's mail_uid."""
    split_address(address)
    extra = f"userdb_quota_rule=*:storage={quota_mb}M" if quota_mb > 0 else ""
    home_field = check_field(str(home), "the home directory")
    return f"{address}:{dovecot_password(password_hash)}::::{home_field}::{extra}"


def render_passwd(state: MailState, mail_root: Path) -> str:
    lines = [
        passwd_line(address, box.password_hash, box.quota_mb, home_of(mail_root, address))
        for address, box in sorted(state.mailboxes.items())
    ]
    return _table(lines)


def render_domains(state: MailState) -> str:
    return _table(f"{check_domain(domain)} OK" for domain in sorted(state.zones))


def render_mailboxes(state: MailState) -> str:
    """Postfix virtual_mailbox_maps: the valid recipients (the value is the Maildir path
    relative to the mail root, for Postfix's own virtual(8) delivery; LMTP ignores it)."""
    lines = []
    for address in sorted(state.mailboxes):
        local, domain = split_address(address)
        lines.append(f"{address} {domain}/{local}/Maildir/")
    return _table(lines)


def render_aliases(state: MailState) -> str:
    """Postfix virtual_alias_maps: aliases, and ``@domain`` lines for catch-alls.

    Postfix tries ``@domain`` before a mailbox of virtual_mailbox_maps, so a catch-all would
    swallow the domain's real mailboxes: each of them gets an identity line first.
    """
    lines = [f"{_address(alias)} {_destinations(dests)}" for alias, dests in sorted(state.aliases.items())]
    for domain, zone in sorted(state.zones.items()):
        if not zone.catch_all:
            continue
        for address in sorted(state.mailboxes):
            if split_address(address)[1] == domain and address not in state.aliases:
                lines.append(f"{address} {address}")
        lines.append(f"@{check_domain(domain)} {_destinations(zone.catch_all)}")
    return _table(lines)


def render_smtp_domains(state: MailState) -> str:
    """Sender domains allowed through the SMTP service (for ``check_sender_access``)."""
    enabled = sorted(host for host, smtp in state.smtp_domains.items() if smtp.enabled)
    return _table(f"{check_domain(host)} OK" for host in enabled)


def render_anti_spam(state: MailState) -> str:
    """Each mail zone's anti-spam level (none, basic, advanced), for the spam filter."""
    return _table(f"{check_domain(domain)} {zone.anti_spam}" for domain, zone in sorted(state.zones.items()))


def _address(address: str) -> str:
    split_address(address)
    return address


def _destinations(addresses: Sequence[str]) -> str:
    if not addresses:
        raise BackendRefused("an alias or catch-all needs at least one destination.")
    return ", ".join(_address(a) for a in addresses)


def _table(lines: Any) -> str:
    return HEADER + "".join(f"{line}\n" for line in lines)


def sieve_string(text: str) -> str:
    """A Sieve quoted string (RFC 5228 2.4.2): backslash and double quote escaped.

    A quoted string may span lines (its line breaks are part of the value), so a multi-line
    auto-reply body is kept whole; line breaks are normalised to the script's own LF. Without
    ``require "variables"`` or ``"encoded-character"``, ``${...}`` in the text stays literal.
    """
    if "\x00" in text:
        raise BackendRefused("an auto-reply cannot contain a NUL character.")
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate: not UTF-8, which a Sieve script must be
        raise BackendRefused("an auto-reply must be valid Unicode text.") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sieve_header_value(text: str) -> str:
    """A Sieve string that becomes a mail header (the vacation ``:subject``): one line only.

    A CR or LF would end the Subject header and start one of the reseller's choosing (header
    injection); other control characters and Unicode line separators are refused with them.
    """
    if any(unicodedata.category(c) in _NOT_IN_HEADER for c in text):
        raise BackendRefused("an auto-reply subject cannot contain line breaks or control characters.")
    return sieve_string(text)


def sieve_script(rules: Mapping[str, Any]) -> str | None:
    """The mailbox's Sieve script for its auto-reply and auto-forward; None when both are off."""
    reply = rules.get("auto_reply") or {}
    forward = rules.get("auto_forward") or {}
    extensions: list[str] = []
    commands: list[str] = []
    if reply.get("enabled"):
        extensions.append("vacation")
        subject = str(reply.get("subject") or "")
        option = f":subject {sieve_header_value(subject)} " if subject else ""
        commands.append(f"vacation {option}{sieve_string(str(reply.get('message') or ''))};")
    if forward.get("enabled"):
        copy = bool(forward.get("copy_to_myself"))
        if copy:
            extensions.append("copy")  # RFC 3894: redirect and keep the message here too
        for target in forward.get("email_addresses") or []:
            commands.append(f"redirect {':copy ' if copy else ''}{sieve_string(_address(str(target)))};")
    if not commands:
        return None
    require = f"require [{', '.join(sieve_string(e) for e in extensions)}];\n" if extensions else ""
    return HEADER + require + "".join(f"{command}\n" for command in commands)


# -- files ----------------------------------------------------------------------------------


def replace_file(path: Path, data: bytes, mode: int) -> None:
    """Write ``path`` atomically; an existing file keeps its mode and group.

    Dovecot (2.3) reloads a passwd-file only when its mtime second or its size changes: a new
    hash of the same length written within the same second would go unnoticed, so the mtime is
    moved on by a second then.
    """
    try:
        previous: os.stat_result | None = path.stat()
    except FileNotFoundError:
        previous = None

    def like_the_previous_file(temporary: str) -> None:
        if previous is None:
            return
        if os.stat(temporary).st_gid != previous.st_gid:  # chown only when needed: may be refused
            os.chown(temporary, -1, previous.st_gid)
        same_size = previous.st_size == len(data)
        if same_size and int(os.stat(temporary).st_mtime) <= int(previous.st_mtime):
            stamp = int(previous.st_mtime) + 1
            os.utime(temporary, (stamp, stamp))

    write_atomically(
        path,
        data,
        mode if previous is None else stat.S_IMODE(previous.st_mode),
        before_replace=like_the_previous_file,
    )
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def publish(files: Sequence[tuple[Path, str, int]]) -> None:
    """Replace each changed file in order; if one fails, put back those already replaced."""
    done: list[tuple[Path, bytes | None, int]] = []
    try:
        for path, text, mode in files:
            data = text.encode()
            old = _read(path)
            if old == data:
                continue
            replace_file(path, data, mode)
            done.append((path, old, mode))
    except OSError:
        for path, old, mode in reversed(done):
            try:
                if old is None:
                    path.unlink(missing_ok=True)
                else:
                    replace_file(path, old, mode)
            except OSError as exc:
                log.error("could not put back %s after a failed change: %s", path, exc)
        raise


# -- the backend ----------------------------------------------------------------------------


class DovecotMail:
    """MailBackend on Dovecot (passwd-file) and the MTA's maps; see the module docstring."""

    def __init__(self, settings: Settings) -> None:
        if settings.dovecot_passwd_file is None:
            raise SettingsError("the dovecot backend needs RESELLER_API_DOVECOT_PASSWD_FILE")
        self.passwd_file = settings.dovecot_passwd_file.absolute()
        self.maps_dir = (settings.mail_maps_dir or self.passwd_file.parent).absolute()
        # A MAIL_ROOT setting, when the settings have one, else "vmail" beside the passwd file.
        self.mail_root = Path(settings.mail_root or self.passwd_file.parent / "vmail").absolute()
        try:
            check_field(str(self.mail_root), "the mail root")
        except BackendRefused as exc:
            raise SettingsError(f"the dovecot backend: {exc}") from None
        self.state_file = self.passwd_file.with_name(self.passwd_file.name + ".state.json")
        self.lock_file = self.passwd_file.with_name(self.passwd_file.name + ".lock")
        # flock excludes other processes; threads of this one queue here instead of polling.
        self._thread_lock = threading.Lock()

    def probe(self) -> str:
        """``reseller-api check-config``: the passwd file, the maps and the mail root are writable."""
        for path in (self.passwd_file.parent, self.maps_dir, self.mail_root):
            existing = next(p for p in (path, *path.parents) if p.exists())
            if not os.access(existing, os.W_OK):
                raise BackendRefused(f"{existing} is not writable by this user")
        return f"passwd file {self.passwd_file}; maps in {self.maps_dir}; mailboxes in {self.mail_root}"

    # -- MailBackend ----------------------------------------------------------------------

    def ensure_mail_zone(self, domain_name: str) -> None:
        check_domain(domain_name)
        self._change(lambda state: state.zones.setdefault(domain_name, ZoneState()))

    def remove_mail_zone(self, domain_name: str) -> None:
        check_domain(domain_name)

        def remove(state: MailState) -> None:
            state.zones.pop(domain_name, None)
            in_zone = f"@{domain_name}"
            for address in [a for a in state.mailboxes if a.endswith(in_zone)]:
                del state.mailboxes[address]
            for alias in [a for a in state.aliases if a.endswith(in_zone)]:
                del state.aliases[alias]
            for host in [h for h, s in state.smtp_domains.items() if s.mail_zone == domain_name]:
                del state.smtp_domains[host]

        self._change(remove, retire=self.mail_root / domain_name)

    def ensure_mailbox(self, address: str, password_hash: str, quota_mb: int) -> None:
        home = home_of(self.mail_root, address)
        dovecot_password(password_hash)

        def change(state: MailState) -> None:
            if address not in state.mailboxes:
                # A new mailbox starts without rules: a Sieve script left at this address (a rules
                # update that raced the previous owner's removal) would forward to that owner.
                self._remove_sieve(home)
            state.mailboxes[address] = MailboxState(password_hash, quota_mb)

        self._change(change)

    def set_mailbox_password(self, address: str, password_hash: str) -> None:
        split_address(address)
        dovecot_password(password_hash)

        def change(state: MailState) -> None:
            box = state.mailboxes.get(address)
            if box is None:
                raise BackendRefused(f"the mailbox {address} does not exist on the mail platform.")
            box.password_hash = password_hash

        self._change(change)

    def set_mailbox_rules(self, address: str, rules: Mapping[str, Any]) -> None:
        home = home_of(self.mail_root, address)
        script = sieve_script(rules)
        with self._failures("the mailbox's Sieve script"), self._locked():
            if address not in self._load().mailboxes:
                # Removed meanwhile (a rules update racing a delete): writing now would make the
                # old home again, and its script would greet the next mailbox at this address.
                log.info("dovecot backend: no mailbox %s any more; its rules are not written", address)
                return
            sieve_dir = home / SIEVE_DIR
            active = home / SIEVE_ACTIVE
            if script is None:
                self._remove_sieve(home)
                return
            sieve_dir.mkdir(parents=True, exist_ok=True)
            publish([(sieve_dir / SIEVE_SCRIPT, script, MAP_MODE)])
            target = f"{SIEVE_DIR}/{SIEVE_SCRIPT}"
            if not active.is_symlink() or os.readlink(active) != target:
                link = home / f".{SIEVE_ACTIVE}.{os.getpid()}.{threading.get_ident()}.tmp"
                link.unlink(missing_ok=True)
                link.symlink_to(target)
                os.replace(link, active)

    @staticmethod
    def _remove_sieve(home: Path) -> None:
        """Take away our Sieve script, its compiled form and the link that makes it active."""
        active = home / SIEVE_ACTIVE
        if active.is_symlink():
            active.unlink()
        sieve_dir = home / SIEVE_DIR
        if sieve_dir.is_dir():
            (sieve_dir / SIEVE_SCRIPT).unlink(missing_ok=True)
            # Pigeonhole's compiled script, next to the source.
            (sieve_dir / (SIEVE_SCRIPT.removesuffix(".sieve") + ".svbin")).unlink(missing_ok=True)

    def remove_mailbox(self, address: str) -> None:
        home = home_of(self.mail_root, address)
        self._change(lambda state: state.mailboxes.pop(address, None), retire=home)

    def set_alias(self, address: str, destinations: Sequence[str]) -> None:
        split_address(address)
        _destinations(destinations)
        self._change(lambda state: state.aliases.__setitem__(address, list(destinations)))

    def remove_alias(self, address: str) -> None:
        split_address(address)
        self._change(lambda state: state.aliases.pop(address, None))

    def set_catch_all(self, domain_name: str, addresses: Sequence[str]) -> None:
        check_domain(domain_name)
        for address in addresses:
            split_address(address)

        def change(state: MailState) -> None:
            state.zones.setdefault(domain_name, ZoneState()).catch_all = list(addresses)

        self._change(change)

    def set_anti_spam(self, domain_name: str, level: str) -> None:
        check_domain(domain_name)
        if not _LEVEL.fullmatch(level):
            raise BackendRefused(f"the mail platform does not know the anti-spam level {level!r}.")

        def change(state: MailState) -> None:
            state.zones.setdefault(domain_name, ZoneState()).anti_spam = level

        self._change(change)

    def set_smtp_domain(self, domain_name: str, hostname: str, enabled: bool) -> None:
        check_domain(domain_name)
        check_domain(hostname)
        self._change(
            lambda state: state.smtp_domains.__setitem__(hostname, SmtpDomainState(domain_name, enabled))
        )

    def remove_smtp_domain(self, hostname: str) -> None:
        check_domain(hostname)
        self._change(lambda state: state.smtp_domains.pop(hostname, None))

    # -- read, change, render, publish ----------------------------------------------------

    def _change(self, mutate: Callable[[MailState], object], retire: Path | None = None) -> None:
        """Under the lock: load our record, change it, rewrite every file that differs.

        ``retire``: a home (or a domain's homes) to take away after the change, so a mailbox made
        again at the same address never finds the old one's mail.
        """
        retired: Path | None = None
        with self._failures("the mail platform's files"), self._locked():
            state = self._load()
            mutate(state)
            self.maps_dir.mkdir(parents=True, exist_ok=True)
            publish(self._render(state))
            if retire is not None and retire.exists():
                retired = self.mail_root / ".removed" / f"{retire.name}.{time.time_ns()}"
                retired.parent.mkdir(parents=True, exist_ok=True)
                os.replace(retire, retired)
        if retired is not None:
            # Outside the lock: a large mailbox takes a while to delete.
            shutil.rmtree(retired, ignore_errors=True)
            if retired.exists():
                log.warning("dovecot backend: could not remove all of %s; remove it by hand", retired)

    def _render(self, state: MailState) -> list[tuple[Path, str, int]]:
        """Every file, in the order they are replaced: our record last, so that a change that
        fails half-way is not recorded (the next call renders every file again from it)."""
        maps = self.maps_dir
        return [
            (self.passwd_file, render_passwd(state, self.mail_root), PASSWD_MODE),
            (maps / "virtual_domains", render_domains(state), MAP_MODE),
            (maps / "virtual_mailboxes", render_mailboxes(state), MAP_MODE),
            (maps / "virtual_aliases", render_aliases(state), MAP_MODE),
            (maps / "smtp_domains", render_smtp_domains(state), MAP_MODE),
            (maps / "anti_spam", render_anti_spam(state), MAP_MODE),
            (self.state_file, msgspec.json.encode(state).decode() + "\n", STATE_MODE),
        ]

    def _load(self) -> MailState:
        raw = _read(self.state_file)
        if raw is None:
            # No record yet: only an absent or empty passwd file may be replaced. Anything else is
            # an operator's own user database, or ours with its record lost: never overwrite it.
            passwd = (_read(self.passwd_file) or b"").decode(errors="replace")
            if any(line.strip() and not line.startswith("#") for line in passwd.splitlines()):
                log.error(
                    "dovecot backend: %s has users but %s is missing", self.passwd_file, self.state_file
                )
                raise BackendUnavailable(
                    "the mail platform's passwd file has users but no reseller-api record; not replacing it."
                )
            return MailState()
        try:
            return msgspec.json.decode(raw, type=MailState)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            log.error("dovecot backend: %s is damaged (%s); restore it from a backup", self.state_file, exc)
            raise BackendUnavailable("the mail platform's reseller-api record is damaged.") from None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        deadline = time.monotonic() + LOCK_TIMEOUT
        if not self._thread_lock.acquire(timeout=LOCK_TIMEOUT):
            raise BackendUnavailable("the mail platform's files are locked by another change; try again.")
        try:
            self.lock_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise BackendUnavailable(
                                "the mail platform's files are locked by another process; try again."
                            ) from None
                        time.sleep(0.01)
                yield
            finally:
                os.close(fd)  # closing the descriptor releases the flock
        finally:
            self._thread_lock.release()

    @contextlib.contextmanager
    def _failures(self, what: str) -> Iterator[None]:
        """An OSError (permissions, disk full, a directory where a file should be) is the
        platform's trouble, not the reseller's: BackendUnavailable, worded without paths."""
        try:
            yield
        except OSError as exc:
            log.warning("dovecot backend: cannot write %s: %s", exc.filename or what, exc)
            reason = exc.strerror or type(exc).__name__
            raise BackendUnavailable(f"{what} could not be written ({reason}).") from exc
