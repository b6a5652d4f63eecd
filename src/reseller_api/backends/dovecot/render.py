"""The passwd file and the Postfix maps, rendered whole from our record (pure functions).

- the passwd file, for Dovecot's passwd-file passdb and userdb:
  ``address:{ARGON2ID}$argon2id$...::::home::userdb_quota_rule=*:storage=NM``; empty uid/gid
  fields: Dovecot's global ``mail_uid``/``mail_gid`` (one virtual-mail user);
- ``key value`` lines in ``postmap`` input form, which Postfix reads as ``texthash:`` tables
  without ``postmap``: ``virtual_domains``, ``virtual_mailboxes``, ``virtual_aliases``
  (aliases and catch-alls), ``smtp_domains`` (sender domains) and ``anti_spam``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from reseller_api.backends.base import BackendRefused
from reseller_api.backends.dovecot.checks import (
    check_address,
    check_domain,
    check_field,
    dovecot_password,
    home_of,
    split_address,
)
from reseller_api.backends.dovecot.state import MailState

HEADER = "# Written by reseller-api from its own records: edits here are overwritten.\n"


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
    lines = [
        f"{check_address(alias)} {render_destinations(dests)}"
        for alias, dests in sorted(state.aliases.items())
    ]
    for domain, zone in sorted(state.zones.items()):
        if not zone.catch_all:
            continue
        for address in sorted(state.mailboxes):
            if split_address(address)[1] == domain and address not in state.aliases:
                lines.append(f"{address} {address}")
        lines.append(f"@{check_domain(domain)} {render_destinations(zone.catch_all)}")
    return _table(lines)


def render_smtp_domains(state: MailState) -> str:
    """Sender domains allowed through the SMTP service (for ``check_sender_access``)."""
    enabled = sorted(host for host, smtp in state.smtp_domains.items() if smtp.enabled)
    return _table(f"{check_domain(host)} OK" for host in enabled)


def render_anti_spam(state: MailState) -> str:
    """Each mail zone's anti-spam level (none, basic, advanced), for the spam filter."""
    return _table(f"{check_domain(domain)} {zone.anti_spam}" for domain, zone in sorted(state.zones.items()))


def render_destinations(addresses: Sequence[str]) -> str:
    """The value of an alias or catch-all line: its destinations, each checked."""
    if not addresses:
        raise BackendRefused("an alias or catch-all needs at least one destination.")
    return ", ".join(check_address(a) for a in addresses)


def _table(lines: Iterable[str]) -> str:
    return HEADER + "".join(f"{line}\n" for line in lines)
