"""``client.accounts``: ordering accounts (creation is a provisioning job)."""

from __future__ import annotations

import pytest

from reseller_api.client import Client, ConflictError, ValidationError
from reseller_api.wire.accounts import AccountDetail
from tests.sdk.resources.conftest import PASSWORD


def test_conflicts_and_bad_input_map_to_their_errors(sdk: Client, account: AccountDetail) -> None:
    with pytest.raises((ValidationError, ConflictError)) as caught:
        sdk.accounts.create("example.com", 1, PASSWORD)
    assert caught.value.error_code == "account_identifier_in_use"
