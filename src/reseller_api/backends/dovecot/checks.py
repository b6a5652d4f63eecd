"""What may be written in the mail platform's files: every value is checked before it is.

A value these files cannot hold safely (an address with ``:``, ``/``, ``%``, white space or a
leading ``#``, an unknown password hash, a field that would end its line) raises
:class:`BackendRefused`, so nothing the reseller sends can add a line of its own.
"""

from __future__ import annotations

import re
from pathlib import Path

from reseller_api.backends.base import BackendRefused

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


def split_address(address: str) -> tuple[str, str]:
    """``(local part, domain)`` of an address safe to write in every file, else BackendRefused."""
    local, at, domain = address.rpartition("@")
    if not at or not _LOCAL.fullmatch(local) or not _DOMAIN.fullmatch(domain):
        raise BackendRefused(f"the mail platform cannot store the address {address!r}.")
    return local, domain


def check_address(address: str) -> str:
    split_address(address)
    return address


def check_domain(domain: str) -> str:
    if not _DOMAIN.fullmatch(domain):
        raise BackendRefused(f"the mail platform cannot store the domain {domain!r}.")
    return domain


def check_anti_spam_level(level: str) -> str:
    """A level is one word: it is the value of its domain's line in the ``anti_spam`` map."""
    if not _LEVEL.fullmatch(level):
        raise BackendRefused(f"the mail platform does not know the anti-spam level {level!r}.")
    return level


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
    """A mailbox's home: ``<mail root>/<domain>/<local part>``."""
    local, domain = split_address(address)
    return mail_root / domain / local
