"""Our own record of the mail platform, in ``<passwd file>.state.json``.

Every file the backend writes is rendered whole from this one document, so any call converges
all of them; a record that is missing while the passwd file has users, or that no longer
decodes, stops the backend rather than let it overwrite what it does not know.
"""

from __future__ import annotations

import logging
from pathlib import Path

import msgspec

from reseller_api.backends.base import BackendUnavailable
from reseller_api.backends.dovecot.files import read_or_none

# One logger for the whole backend: its lines read the same whichever module writes them.
log = logging.getLogger("reseller_api.backends.dovecot")

DEFAULT_ANTI_SPAM = "basic"


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


def encode_state(state: MailState) -> str:
    return msgspec.json.encode(state).decode() + "\n"


def load_state(state_file: Path, passwd_file: Path) -> MailState:
    """The record in ``state_file``; an empty one when there is none and ``passwd_file`` has no users."""
    raw = read_or_none(state_file)
    if raw is None:
        # No record yet: only an absent or empty passwd file may be replaced. Anything else is
        # an operator's own user database, or ours with its record lost: never overwrite it.
        passwd = (read_or_none(passwd_file) or b"").decode(errors="replace")
        if any(line.strip() and not line.startswith("#") for line in passwd.splitlines()):
            log.error("dovecot backend: %s has users but %s is missing", passwd_file, state_file)
            raise BackendUnavailable(
                "the mail platform's passwd file has users but no reseller-api record; not replacing it."
            )
        return MailState()
    try:
        return msgspec.json.decode(raw, type=MailState)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        log.error("dovecot backend: %s is damaged (%s); restore it from a backup", state_file, exc)
        raise BackendUnavailable("the mail platform's reseller-api record is damaged.") from None
