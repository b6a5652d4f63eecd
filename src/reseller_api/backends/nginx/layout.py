"""Where the backend keeps each file, and the checks that keep hostile names inside those places.

The API validates domain names and site paths already; everything here checks again, because a
name becomes a file name and a path becomes an nginx ``root``: one that escaped would let one
customer serve (or overwrite) another's files, or the server's own.
"""

from __future__ import annotations

import grp
import os
import posixpath
import pwd
import re
from dataclasses import dataclass
from pathlib import Path

from reseller_api.backends.base import BackendRefused

# A lowercase host name as our API stores it (IDNs in their xn-- form), nothing else: no "/",
# no "..", no quotes, so it is safe as a file name and inside any configuration file.
_HOST_NAME = re.compile(r"(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")
# What may appear in a path written into nginx, PHP-FPM or crontab files. nginx expands "$"
# even in quoted strings and has no escape for it; ";", "{", "}", quotes and whitespace would
# end a directive. Folders with such characters cannot be served, so they are refused.
_SAFE_PATH = re.compile(r"[A-Za-z0-9._~@+=,%/-]*")
# The hosting tree under WEB_ROOT/<domain>, with each directory's mode; owner "web" is the
# web user, "root" the server's own user (so the customer cannot swap logs/ for a symlink
# that the nginx master, running as root, would then open).
TREE: tuple[tuple[str, int, str], ...] = (
    ("", 0o755, "root"),
    ("www", 0o755, "web"),
    ("subsites", 0o755, "web"),
    ("logs", 0o755, "root"),
    ("tmp", 0o700, "web"),
    (".ssh", 0o700, "web"),
)


def host_name(name: str) -> str:
    """``name`` if it is a plain host name, else :class:`BackendRefused`."""
    if not isinstance(name, str) or not _HOST_NAME.fullmatch(name):
        raise BackendRefused(f"{name!r} is not a host name the web server can serve")
    return name


def safe_path(path: str) -> str:
    """A path made only of characters that are inert in nginx, PHP-FPM and crontab files."""
    if not _SAFE_PATH.fullmatch(path):
        raise BackendRefused(f"the path {path!r} contains characters the web server cannot serve")
    return path


def inside(root: Path, relative: str) -> Path:
    """``root/relative``, normalised; refused when it has ``..`` or would leave ``root``."""
    if ".." in relative.split("/"):
        raise BackendRefused(f"the path {relative!r} leaves the hosting")
    clean = posixpath.normpath("/" + safe_path(relative).lstrip("/"))
    target = root / clean.lstrip("/") if clean != "/" else root
    if target != root and root not in target.parents:
        raise BackendRefused(f"the path {relative!r} leaves the hosting")
    return target


# Folders of the hosting that hold its logs, PHP sessions and SSH keys: never a web root.
PRIVATE_FOLDERS = ("logs", "tmp", ".ssh")


def servable(path: str) -> str:
    """``path`` if a site may serve it: not the hosting's root, nor in its private folders."""
    parts = [part for part in posixpath.normpath("/" + path).split("/") if part]
    if not parts or parts[0] in PRIVATE_FOLDERS:
        raise BackendRefused(
            f"the path {path!r} would publish the hosting's logs, sessions or SSH keys; "
            "serve a folder such as /www or /subsites/<name>"
        )
    return path


def resolved_inside(root: Path, relative: str) -> Path | None:
    """The real location of ``root/relative`` after symlinks; None when it is elsewhere."""
    target = inside(root, relative)
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(target))
    if real != real_root and real_root not in real.parents:
        return None
    return real


@dataclass(frozen=True, slots=True)
class Owner:
    """Who owns the hostings' files and runs their PHP; ``None`` ids: leave ownership alone."""

    user: str
    group: str
    uid: int | None
    gid: int | None

    @classmethod
    def parse(cls, spec: str | None) -> Owner:
        if spec is None:
            # Whoever runs the server; not worth a chown.
            uid = os.getuid()
            entry = pwd.getpwuid(uid)
            return cls(entry.pw_name, grp.getgrgid(entry.pw_gid).gr_name, None, None)
        user, _, group = spec.partition(":")
        try:
            entry = pwd.getpwnam(user)
            gid = grp.getgrnam(group).gr_gid if group else entry.pw_gid
        except KeyError:
            raise BackendRefused(f"the web user {spec!r} does not exist on this machine") from None
        return cls(user, group or grp.getgrgid(gid).gr_name, entry.pw_uid, gid)

    @property
    def explicit(self) -> bool:
        return self.uid is not None


@dataclass(frozen=True, slots=True)
class Layout:
    web_root: Path
    conf_dir: Path
    pool_dir: str  # may contain "{version}": one pool directory per PHP version
    socket_dir: Path
    crontab_dir: Path

    @property
    def sites_dir(self) -> Path:
        return self.conf_dir / "sites"

    @property
    def state_dir(self) -> Path:
        return self.conf_dir / "state"

    @property
    def lock_file(self) -> Path:
        return self.conf_dir / ".reseller-api.lock"

    def hosting_root(self, domain: str) -> Path:
        return self.web_root / host_name(domain)

    def site_file(self, domain: str, site: str) -> Path:
        # Named by site and hosting: a host name can never contain "@", so two hostings' files
        # never share a name, even if the API let the same site name into both.
        return self.sites_dir / f"{host_name(site)}@{host_name(domain)}.conf"

    def legacy_site_file(self, site: str) -> Path:
        """Where versions before 0.x kept a site's file (by site name alone)."""
        return self.sites_dir / f"{host_name(site)}.conf"

    def state_file(self, domain: str) -> Path:
        return self.state_dir / f"{host_name(domain)}.json"

    def pool_directory(self, version: str) -> Path:
        return Path(self.pool_dir.replace("{version}", version))

    def pool_file(self, domain: str, version: str) -> Path:
        return self.pool_directory(version) / f"{host_name(domain)}.conf"

    def socket(self, domain: str, version: str) -> Path:
        # The version is in the name so that a version switch never has two masters on one socket.
        return self.socket_dir / f"{host_name(domain)}-php{version}.sock"

    def crontab_file(self, domain: str) -> Path:
        # cron ignores files in /etc/cron.d whose names contain dots.
        return self.crontab_dir / ("reseller-api-" + host_name(domain).replace(".", "_"))

    def authorized_keys(self, domain: str) -> Path:
        return self.hosting_root(domain) / ".ssh" / "authorized_keys"
