"""What the backend remembers of each hosting, in ``NGINX_CONF_DIR/state/<domain>.json``.

The hosting-wide settings (gzip, the PHP version's socket) are rendered into every site's file,
so a settings change re-renders all the hosting's sites: the backend keeps the last site specs,
settings, SSH keys, scheduled tasks and certificates it was given. No secret is kept here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from reseller_api.backends.nginx.files import read_bytes, write_atomically
from reseller_api.backends.nginx.render import Certificate

# What a new hosting starts with: the database's defaults (resources/linuxhostings/tables.py),
# PHP version aside.
DEFAULT_SETTINGS: dict[str, Any] = {
    "php_version": None,  # None: the newest installed
    "php_memory_limit": 128,
    "apcu_enabled": False,
    "apcu_size": 32,
    "gzip_enabled": True,
    "ftp_enabled": True,
    "ssh_enabled": False,
}


@dataclass
class HostingState:
    domain: str
    settings: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SETTINGS))
    sites: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    crontab: list[dict[str, Any]] = field(default_factory=list)
    certificates: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The PHP version whose pool directory holds this hosting's pool now.
    pool_version: str | None = None

    @classmethod
    def new(cls, domain: str) -> HostingState:
        main = {
            "path": "/www",
            "http2_enabled": False,
            "host_headers": [
                {"name": name, "enabled": True, "letsencrypt": False, "auto_redirect": False}
                for name in (domain, f"www.{domain}")
            ],
        }
        return cls(domain, sites={domain: main})

    def certificate(self, name: str) -> Certificate | None:
        raw = self.certificates.get(name)
        return None if raw is None else Certificate(**raw)

    def wanted_certificates(self) -> list[str]:
        """Host names that want Let's Encrypt, over every site of the hosting."""
        return [
            str(header["name"])
            for spec in self.sites.values()
            for header in spec.get("host_headers", [])
            if header.get("enabled", True) and header.get("letsencrypt")
        ]


def load(path: Path) -> HostingState | None:
    raw = read_bytes(path)
    if raw is None:
        return None
    data = json.loads(raw)
    settings = {**DEFAULT_SETTINGS, **data.get("settings", {})}
    return HostingState(
        domain=data["domain"],
        settings=settings,
        sites=data.get("sites", {}),
        keys=data.get("keys", []),
        crontab=data.get("crontab", []),
        certificates=data.get("certificates", {}),
        pool_version=data.get("pool_version"),
    )


def save(path: Path, state: HostingState) -> None:
    write_atomically(path, json.dumps(asdict(state), indent=2, sort_keys=True) + "\n", mode=0o600)
