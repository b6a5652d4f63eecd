"""An account's ``linux_hosting`` asset: the hosting of its domain, with the order's FTP login."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import Connection, insert

from reseller_api.backends import Backends
from reseller_api.resources.assets import AssetOrder
from reseller_api.resources.linuxhostings.tables import linux_hostings

DEFAULT_PHP_VERSION = "8.3"


def initial_php_version(available: tuple[str, ...]) -> str:
    """8.3 where the platform has it; else its newest, so the detail never names a PHP it lacks."""
    if DEFAULT_PHP_VERSION in available or not available:
        return DEFAULT_PHP_VERSION
    return max(
        available, key=lambda version: tuple(int(part) for part in version.split(".") if part.isdigit())
    )


def _ftp_login(order: AssetOrder) -> tuple[str, str]:
    # The order requires an FTP password for a pack with a Linux hosting (accounts/service.py).
    if order.ftp_username is None or order.ftp_password_hash is None:
        raise ValueError(f"the order of account {order.account_id} has no FTP login for its hosting")
    return order.ftp_username, order.ftp_password_hash


class LinuxHostingAsset:
    asset_type: ClassVar[str] = "linux_hosting"

    def provision(self, backends: Backends, order: AssetOrder) -> None:
        backends.hosting.ensure_hosting(order.domain_name, *_ftp_login(order))

    def commit(self, conn: Connection, backends: Backends, order: AssetOrder, now: float) -> None:
        username, password_hash = _ftp_login(order)
        conn.execute(
            insert(linux_hostings).values(
                account_id=order.account_id,
                reseller_id=order.reseller_id,
                domain_name=order.domain_name,
                ftp_username=username,
                ftp_password_hash=password_hash,
                php_version=initial_php_version(backends.hosting.php_versions()),
                created_at=now,
            )
        )

    def unprovision(self, backends: Backends, order: AssetOrder) -> None:
        backends.hosting.remove_hosting(order.domain_name)

    def discard(self, conn: Connection, order: AssetOrder) -> None:
        pass  # the hosting row is written only by commit


PROVISIONER = LinuxHostingAsset()
