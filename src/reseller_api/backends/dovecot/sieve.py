"""A mailbox's auto-reply and auto-forward, as a Sieve script Dovecot's Pigeonhole runs.

With either on, the script is ``<home>/sieve/reseller-api.sieve``, made active by the
``<home>/.dovecot.sieve`` symlink (Pigeonhole's default ``sieve`` setting); with both off,
the script, its compiled form and the link are taken away. An auto-reply subject with a line
break (header injection) or text that is not Unicode is refused with :class:`BackendRefused`.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reseller_api.backends.base import BackendRefused
from reseller_api.backends.dovecot.checks import check_address
from reseller_api.backends.dovecot.files import MAP_MODE, publish
from reseller_api.backends.dovecot.render import HEADER

SIEVE_DIR = "sieve"
SIEVE_SCRIPT = "reseller-api.sieve"
SIEVE_ACTIVE = ".dovecot.sieve"
# Unicode categories a header value never holds: controls (CR, LF, ...), line and paragraph
# separators, lone surrogates.
_NOT_IN_HEADER = frozenset({"Cc", "Zl", "Zp", "Cs"})


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
            commands.append(f"redirect {':copy ' if copy else ''}{sieve_string(check_address(str(target)))};")
    if not commands:
        return None
    require = f"require [{', '.join(sieve_string(e) for e in extensions)}];\n" if extensions else ""
    return HEADER + require + "".join(f"{command}\n" for command in commands)


def install_script(home: Path, script: str) -> None:
    """Write ``script`` into the home and make it the active one (the symlink replaced atomically)."""
    sieve_dir = home / SIEVE_DIR
    active = home / SIEVE_ACTIVE
    sieve_dir.mkdir(parents=True, exist_ok=True)
    publish([(sieve_dir / SIEVE_SCRIPT, script, MAP_MODE)])
    target = f"{SIEVE_DIR}/{SIEVE_SCRIPT}"
    if not active.is_symlink() or os.readlink(active) != target:
        link = home / f".{SIEVE_ACTIVE}.{os.getpid()}.{threading.get_ident()}.tmp"
        link.unlink(missing_ok=True)
        link.symlink_to(target)
        os.replace(link, active)


def remove_script(home: Path) -> None:
    """Take away our Sieve script, its compiled form and the link that makes it active."""
    active = home / SIEVE_ACTIVE
    if active.is_symlink():
        active.unlink()
    sieve_dir = home / SIEVE_DIR
    if sieve_dir.is_dir():
        (sieve_dir / SIEVE_SCRIPT).unlink(missing_ok=True)
        # Pigeonhole's compiled script, next to the source.
        (sieve_dir / (SIEVE_SCRIPT.removesuffix(".sieve") + ".svbin")).unlink(missing_ok=True)
