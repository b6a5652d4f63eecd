"""Each resource's operations through the SDK, one module per resource (``client/resources/<name>.py``).

Every test here runs twice: against the app in-process, then against a real server over TCP
(``pair``), as alice (``sdk``) and bob (``other_sdk``), who must never see alice's things.
"""

from __future__ import annotations

import pytest

from reseller_api.client import Client
from reseller_api.wire.accounts import AccountDetail

PASSWORD = "Secret123x"


@pytest.fixture
def sdk(pair: tuple[Client, Client]) -> Client:
    return pair[0]


@pytest.fixture
def other_sdk(pair: tuple[Client, Client]) -> Client:
    return pair[1]


@pytest.fixture
def account(sdk: Client) -> AccountDetail:
    """example.com on the Starter pack: a hosting, a DNS zone and a mail zone."""
    return sdk.accounts.create("example.com", 1, PASSWORD, wait=True, timeout=15)
