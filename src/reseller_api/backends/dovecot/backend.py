"""The Dovecot :class:`~reseller_api.backends.base.MailBackend`: each call changes our record and
rewrites every file from it, under the lock.

Homes are ``<mail root>/<domain>/<local part>``; the mail root is ``vmail`` beside the passwd
file (or ``RESELLER_API_MAIL_ROOT``). A removed mailbox's (or mail zone's) homes are moved aside
under the lock and deleted after it, so a mailbox made again at the same address never finds
the old one's mail. Errors: a file that cannot be written (permissions, disk full, lock held
too long) raises :class:`BackendUnavailable`; a value the files cannot hold, :class:`BackendRefused`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from reseller_api.backends.base import BackendRefused, BackendUnavailable
from reseller_api.backends.dovecot import sieve
from reseller_api.backends.dovecot.checks import (
    check_anti_spam_level,
    check_domain,
    check_field,
    dovecot_password,
    home_of,
    split_address,
)
from reseller_api.backends.dovecot.files import MAP_MODE, PASSWD_MODE, STATE_MODE, ChangeLock, publish
from reseller_api.backends.dovecot.render import (
    render_aliases,
    render_anti_spam,
    render_destinations,
    render_domains,
    render_mailboxes,
    render_passwd,
    render_smtp_domains,
)
from reseller_api.backends.dovecot.state import (
    MailboxState,
    MailState,
    SmtpDomainState,
    ZoneState,
    encode_state,
    load_state,
)
from reseller_api.settings import Settings, SettingsError

# One logger for the whole backend: its lines read the same whichever module writes them.
log = logging.getLogger("reseller_api.backends.dovecot")


class DovecotMail:
    """MailBackend on Dovecot (passwd-file) and the MTA's maps; see the package docstring."""

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
        self._lock = ChangeLock(self.lock_file)

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
                sieve.remove_script(home)
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
        script = sieve.sieve_script(rules)
        with self._failures("the mailbox's Sieve script"), self._lock.held():
            if address not in self._load().mailboxes:
                # Removed meanwhile (a rules update racing a delete): writing now would make the
                # old home again, and its script would greet the next mailbox at this address.
                log.info("dovecot backend: no mailbox %s any more; its rules are not written", address)
                return
            if script is None:
                sieve.remove_script(home)
                return
            sieve.install_script(home, script)

    def remove_mailbox(self, address: str) -> None:
        home = home_of(self.mail_root, address)
        self._change(lambda state: state.mailboxes.pop(address, None), retire=home)

    def set_alias(self, address: str, destinations: Sequence[str]) -> None:
        split_address(address)
        render_destinations(destinations)
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
        check_anti_spam_level(level)

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
        with self._failures("the mail platform's files"), self._lock.held():
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
            (self.state_file, encode_state(state), STATE_MODE),
        ]

    def _load(self) -> MailState:
        return load_state(self.state_file, self.passwd_file)

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
