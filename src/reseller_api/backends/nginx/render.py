"""The configuration files, rendered from the templates in ``templates/`` (Jinja2).

Pure functions of their inputs, so unit tests can read what would be written. Every name and
path is checked (:mod:`.layout`) before it is rendered; the templates never escape anything.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from reseller_api.backends.base import BackendRefused
from reseller_api.backends.nginx.layout import Owner, host_name, inside, safe_path, servable

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("reseller_api.backends.nginx", "templates"),
    autoescape=False,  # noqa: S701 - configuration files, not HTML; inputs are checked instead
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)
MAX_CHILDREN = 5
_LISTEN = re.compile(r"(\[[0-9a-fA-F:.]+\]:|[0-9.]+:|[a-z0-9.-]+:)?[0-9]{1,5}")
_CRON_FIELD = re.compile(r"[0-9*/,-]+")
_CRON_PERCENT = "\\%"
# PHP functions that start programs: a hosting's PHP runs as the one web user every hosting
# shares, so a shell from one site would reach the others' files (docs/backends.md).
DISABLED_FUNCTIONS = ("exec", "passthru", "shell_exec", "system", "proc_open", "popen", "pcntl_exec")


@dataclass(frozen=True, slots=True)
class Certificate:
    """The paths nginx is given for one host name's certificate."""

    fullchain: str
    private_key: str
    self_signed: bool
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "fullchain": self.fullchain,
            "private_key": self.private_key,
            "self_signed": self.self_signed,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Listen:
    """The ``listen`` addresses of the rendered server blocks."""

    http: tuple[str, ...]
    https: tuple[str, ...]
    # nginx before 1.25.1 enables HTTP/2 with a listen parameter; later with "http2 on".
    http2_in_listen: bool = True

    def __post_init__(self) -> None:
        for address in (*self.http, *self.https):
            if not _LISTEN.fullmatch(address):
                raise ValueError(f"{address!r} is not an nginx listen address (port or address:port)")

    @property
    def https_port_suffix(self) -> str:
        """``:8443`` when HTTPS is not on 443, for the redirect's URL."""
        if not self.https:
            return ""
        port = self.https[0].rsplit(":", 1)[-1]
        return "" if port == "443" else f":{port}"


def site_conf(
    *,
    domain: str,
    site: str,
    spec: Mapping[str, Any],
    hosting_root: Path,
    socket: Path,
    gzip: bool,
    listen: Listen,
    certificates: Mapping[str, Certificate],
    challenge_dir: Path | None,
) -> str:
    """One site: per enabled host header an HTTP server block (serving, or redirecting to HTTPS),
    and an HTTPS one when the host name has a certificate.

    A host header that wants Let's Encrypt but has no certificate yet is served over HTTP only
    (so the ACME challenge can be answered) and never redirected.
    """
    root = inside(hosting_root, servable(str(spec["path"])))
    servers = []
    for header in spec.get("host_headers", []):
        if not header.get("enabled", True):
            continue
        name = host_name(str(header["name"]))
        certificate = certificates.get(name) if header.get("letsencrypt") else None
        if certificate is not None:
            safe_path(certificate.fullchain)
            safe_path(certificate.private_key)
        servers.append(
            {
                "name": name,
                "certificate": certificate,
                "redirect": certificate is not None and bool(header.get("auto_redirect")),
            }
        )
    return _ENV.get_template("site.conf.j2").render(
        domain=host_name(domain),
        site=host_name(site),
        servers=servers,
        root=root,
        hosting_root=safe_path(str(hosting_root)),
        log_dir=hosting_root / "logs",
        socket=safe_path(str(socket)),
        gzip=gzip,
        http2=bool(spec.get("http2_enabled")),
        http2_in_listen=listen.http2_in_listen,
        http_listen=listen.http,
        https_listen=listen.https,
        https_port_suffix=listen.https_port_suffix,
        challenge_dir=safe_path(str(challenge_dir)) if challenge_dir is not None else None,
    )


def pool_conf(
    *,
    domain: str,
    version: str,
    hosting_root: Path,
    socket: Path,
    owner: Owner,
    memory_limit_mb: int,
    apcu_enabled: bool,
) -> str:
    """The hosting's PHP-FPM pool: its own socket, its memory limit, APCu on or off."""
    if not isinstance(memory_limit_mb, int) or not 16 <= memory_limit_mb <= 65536:
        raise BackendRefused(f"memory_limit {memory_limit_mb!r} MB is not one PHP-FPM can take")
    for word in (owner.user, owner.group):
        if not re.fullmatch(r"[a-z_][a-z0-9_-]*\$?", word):
            raise BackendRefused(f"the web user {word!r} cannot be written into a PHP-FPM pool")
    return _ENV.get_template("pool.conf.j2").render(
        domain=host_name(domain),
        version=version,
        hosting_root=safe_path(str(hosting_root)),
        socket=safe_path(str(socket)),
        owner=owner,
        disabled_functions=",".join(DISABLED_FUNCTIONS),
        max_children=MAX_CHILDREN,
        memory_limit_mb=memory_limit_mb,
        apcu_enabled=apcu_enabled,
    )


def crontab(
    *, domain: str, user: str, hosting_root: Path, php: str, entries: Sequence[Mapping[str, Any]]
) -> str:
    """A cron.d file: one line per task, run as the web user from the hosting's root.

    A ``.php`` script runs with the hosting's PHP CLI; anything else is executed as it is.
    Disabled tasks stay in the file, commented out, so the file shows every task.
    """
    lines = [
        f"# Generated by reseller-api for hosting {host_name(domain)}: edits are overwritten.",
        "SHELL=/bin/sh",
        "PATH=/usr/local/bin:/usr/bin:/bin",
    ]
    for entry in entries:
        fields = str(entry["cron_expression"]).split()
        if len(fields) != 5 or not all(_CRON_FIELD.fullmatch(f) for f in fields):
            raise BackendRefused(f"{entry['cron_expression']!r} is not a cron expression")
        script = inside(hosting_root, str(entry["script_location"]))
        run = f"{php} -f {shlex.quote(str(script))}" if script.suffix == ".php" else shlex.quote(str(script))
        command = f"cd {shlex.quote(str(hosting_root))} && {run}"
        # cron turns an unescaped "%" of the command into a newline (the rest becomes stdin).
        line = f"{' '.join(fields)} {user} {command.replace('%', _CRON_PERCENT)}"
        task = safe_path(str(entry.get("id", "")).replace(" ", ""))
        lines.append(f"# task {task}")
        lines.append(line if entry.get("enabled", True) else f"# disabled: {line}")
    return "\n".join(lines) + "\n"


def authorized_keys(keys: Sequence[str]) -> str:
    """One key per line; a key spanning lines would add a second, unchecked one."""
    for key in keys:
        if "\n" in key or "\r" in key or "\x00" in key:
            raise BackendRefused("an SSH public key must be one line")
    return "".join(f"{key.strip()}\n" for key in keys)
