"""A new hosting runs PHP 8.3 where the platform has it, else the newest the platform has."""

from __future__ import annotations

import pytest

from reseller_api.resources.linuxhostings.account_asset import initial_php_version


@pytest.mark.parametrize(
    ("available", "chosen"),
    [
        (("7.4", "8.0", "8.1", "8.2", "8.3", "8.4"), "8.3"),  # the simulated platform
        (("8.2",), "8.2"),  # Debian 12's php-fpm
        (("7.4", "8.10", "8.2"), "8.10"),  # compared as numbers, not strings
        ((), "8.3"),
    ],
)
def test_initial_php_version(available: tuple[str, ...], chosen: str) -> None:
    assert initial_php_version(available) == chosen
