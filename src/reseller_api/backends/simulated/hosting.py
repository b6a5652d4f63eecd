"""Simulated Linux hosting: settings, file tree, sites, SSH keys and crontab, in the simulated store.

The file tree is a list of directories. A new hosting has ``/www`` (the main site) and
``/subsites``; nothing in the API creates directories (on a real server the customer does
it over FTP or SSH), so tests and demos add them with :meth:`SimulatedHosting.make_directory`,
and files (an SSL validation file) with :meth:`SimulatedHosting.put_file`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import Any

from reseller_api.backends.simulated.world import SimulatedStore

PHP_VERSIONS = ("7.4", "8.0", "8.1", "8.2", "8.3", "8.4")
INITIAL_TREE = ("/www", "/subsites")


def normalise_path(path: str) -> str:
    """``/subsites//blog/`` -> ``/subsites/blog``: how the tree stores a directory."""
    return posixpath.normpath("/" + path.strip().lstrip("/"))


class SimulatedHosting:
    def __init__(self, store: SimulatedStore) -> None:
        self.store = store

    def ensure_hosting(self, domain_name: str, ftp_username: str, ftp_password_hash: str) -> None:
        # A retried step keeps the tree it may already have (directories made since).
        tree = (self.store.get("hosting", domain_name) or {}).get("tree", list(INITIAL_TREE))
        self.store.put(
            "hosting",
            domain_name,
            {"ftp_username": ftp_username, "ftp_password_hash": ftp_password_hash, "tree": tree},
        )

    def remove_hosting(self, domain_name: str) -> None:
        for kind in ("hosting", "hosting_settings", "hosting_ssh_keys", "hosting_crontab"):
            self.store.remove(kind, domain_name)

    def set_settings(self, domain_name: str, settings: Mapping[str, Any]) -> None:
        self.store.put("hosting_settings", domain_name, dict(settings))

    def php_versions(self) -> tuple[str, ...]:
        return PHP_VERSIONS

    def path_exists(self, domain_name: str, path: str) -> bool:
        hosting = self.store.get("hosting", domain_name)
        return hosting is not None and normalise_path(path) in hosting.get("tree", [])

    def make_directory(self, domain_name: str, path: str) -> None:
        """What a customer does over FTP: the directory (and its parents) now exists."""
        hosting = self.store.get("hosting", domain_name)
        if hosting is None:
            raise KeyError(domain_name)
        tree = set(hosting.get("tree", []))
        path = normalise_path(path)
        while path != "/":
            tree.add(path)
            path = posixpath.dirname(path)
        self.store.put("hosting", domain_name, {**hosting, "tree": sorted(tree)})

    def ensure_site(self, domain_name: str, site_name: str, site: Mapping[str, Any]) -> None:
        """The site as asked, and what a web server makes of it: HTTPS (so HTTP/2 and the
        redirection) only for host names with a certificate (the simulated Let's Encrypt issues
        one to every host name that asks)."""
        secure = [
            h["name"] for h in site.get("host_headers", []) if h.get("enabled", True) and h.get("letsencrypt")
        ]
        effective = {
            "https": secure,
            "http2": bool(site.get("http2_enabled")) and bool(secure),
            "redirected": [
                h["name"]
                for h in site.get("host_headers", [])
                if h["name"] in secure and h.get("auto_redirect")
            ],
        }
        self.store.put("hosting_site", site_name, {"hosting": domain_name, **site, "serving": effective})

    def remove_site(self, domain_name: str, site_name: str) -> None:
        self.store.remove("hosting_site", site_name)

    def set_authorized_keys(self, domain_name: str, public_keys: Sequence[str]) -> None:
        self.store.put("hosting_ssh_keys", domain_name, {"authorized_keys": list(public_keys)})

    def set_crontab(self, domain_name: str, entries: Sequence[Mapping[str, Any]]) -> None:
        self.store.put("hosting_crontab", domain_name, {"entries": [dict(e) for e in entries]})

    def certificate_notes(self, domain_name: str) -> dict[str, str]:
        # The simulated Let's Encrypt always succeeds: nothing to say.
        return {}

    def put_file(self, domain_name: str, path: str, content: bytes) -> None:
        """What a customer does over FTP: the main site serves ``content`` at the URL path ``path``."""
        hosting = self.store.get("hosting", domain_name)
        if hosting is None:
            raise KeyError(domain_name)
        files = dict(hosting.get("files", {}))
        files[normalise_path(path)] = content.decode("latin-1")
        self.store.put("hosting", domain_name, {**hosting, "files": files})

    def fetch(self, domain_name: str, host: str, path: str) -> bytes | None:
        # Every host name of the hosting serves the main site's files, as its web server would.
        hosting = self.store.get("hosting", domain_name)
        found = None if hosting is None else hosting.get("files", {}).get(normalise_path(path))
        return None if found is None else str(found).encode("latin-1")
