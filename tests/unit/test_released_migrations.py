"""Migrations once released are never edited: a database made by a release must be migrated by
every later one exactly as written (docs/operations.md, "Upgrades"). A change is a new revision."""

from __future__ import annotations

import hashlib
from pathlib import Path

from reseller_api.store.migrate import MIGRATIONS

RELEASED = {
    "0001_initial.py": "78065021bbc996a7c2967039da36e428dadd6c22ee4184c38a2f43d0f357ad94",
    "0002_dns_domains.py": "d8f9b3829c06d61b8a41fed71da61ffb24e4a787f430e4107de8f951c4d60f76",
    "0003_linux_hostings.py": "43806914d4eeee21411770162003b0c5b6cb0b06db0ed91e8683568325f248ff",
    "0004_mail_mysql.py": "ccb7501bb584598f8a326ac2dcaa7a0964f9937e07e8c204cabddff125ccb551",
    "0005_controlpanel.py": "273c78516dfffdca8a264d304227b919b1cfa490fe82373242dfc7be926cb96d",
    "0006_scale_out.py": "31888cf73a36ccedf7e4d2be64381db88ccd6e276f23bfebbe821d33da1e776d",
}


def test_released_migrations_are_unchanged() -> None:
    versions = Path(MIGRATIONS) / "versions"
    changed = [
        name
        for name, digest in RELEASED.items()
        if hashlib.sha256((versions / name).read_bytes()).hexdigest() != digest
    ]
    assert changed == [], "released migrations are never edited: add a new revision instead"
