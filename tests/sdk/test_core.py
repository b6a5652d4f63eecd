"""The SDK's plumbing against the app in-process: jobs, paging, rate limits, errors, signing."""

from __future__ import annotations

import time
from typing import Any

import pytest
from litestar.testing import TestClient

from reseller_api.backends.simulated import SimulatedMail
from reseller_api.client import (
    AuthenticationError,
    Client,
    Job,
    JobTimeout,
    NotFoundError,
    ProvisioningFailed,
    RateLimitError,
    ValidationError,
)
from reseller_api.credentials.service import CredentialsService
from reseller_api.wire.accounts import Account, AccountDetail
from reseller_api.wire.provisioningjobs import ProvisioningJobCompletion, ProvisioningJobInfo
from tests.sdk.conftest import BASE_URL, Through, make_client


def test_create_returns_a_job_whose_wait_returns_the_account(sdk: Client) -> None:
    job = sdk.accounts.create("example.com", 1, "Secret123x")
    assert isinstance(job, Job)
    assert job.location == f"/v2/provisioningjobs/{job.id}"
    assert isinstance(job.status(), ProvisioningJobInfo | ProvisioningJobCompletion)
    account = job.wait(timeout=15)
    assert isinstance(account, AccountDetail)
    assert (account.identifier, account.servicepack.id) == ("example.com", 1)
    assert job.resource_links == [f"/v2/accounts/{account.id}"]
    assert sdk.accounts.get(account.id) == account
    # A handle made from the Location alone reads the same finished job.
    assert sdk.job(job.location).status() == ProvisioningJobCompletion(job.id, job.resource_links)
    assert isinstance(sdk.provisioningjobs.get(job.id), ProvisioningJobCompletion)


def test_create_with_wait_does_both(sdk: Client) -> None:
    account = sdk.accounts.create("example.org", 4, wait=True, timeout=15)
    assert isinstance(account, AccountDetail)
    assert sdk.accounts.list(identifier="example.org") == [Account(account.id, "example.org", 4)]


def test_waiting_honours_the_estimate_with_a_floor(
    test_client: TestClient[Any], credentials: CredentialsService
) -> None:
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        time.sleep(seconds)

    with make_client(test_client, credentials, "alice", sleep=sleep, poll_interval=0.05) as client:
        client.accounts.create("example.com", 1, "Secret123x", wait=True, timeout=15)
    assert naps, "the job was ongoing at least once"
    assert all(0 < nap <= 10 for nap in naps)


def test_a_failed_job_raises_provisioning_failed(sdk: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: SimulatedMail, domain_name: str) -> None:
        raise RuntimeError("mail cluster down")

    monkeypatch.setattr(SimulatedMail, "ensure_mail_zone", broken)
    job = sdk.accounts.create("example.com", 1, "Secret123x")
    with pytest.raises(ProvisioningFailed) as caught:
        job.wait(timeout=15)
    assert caught.value.job_id == job.id
    assert caught.value.job_status == "failed"
    assert caught.value.error_code == "provisioning_job_failed"
    # The raw resource does not raise: it is the job's state.
    state = sdk.provisioningjobs.get(job.id)
    assert isinstance(state, ProvisioningJobInfo)
    assert state.status == "failed"


def test_wait_gives_up_after_its_timeout(sdk: Client) -> None:
    job = sdk.accounts.create("example.com", 1, "Secret123x")
    with pytest.raises(JobTimeout) as caught:
        job.wait(timeout=0)
    assert caught.value.job_id == job.id
    job.wait(timeout=15)


def test_iter_all_walks_every_page_lazily(sdk: Client) -> None:
    jobs = [sdk.accounts.create(f"site{n}.example", 4) for n in range(5)]
    for job in jobs:
        job.wait(timeout=15)
    seen: list[int] = []
    pages = sdk.accounts.iter_all(page_size=2)
    first = next(pages)
    assert sdk.rate_limit is not None
    used = sdk.rate_limit.usage
    seen.append(first.id)
    assert sdk.rate_limit.usage == used  # nothing fetched until the page runs out
    seen.extend(a.id for a in pages)
    assert len(seen) == 5 == len(set(seen))
    assert sdk.rate_limit.usage == used + 2  # three pages of 2, 2 and 1
    assert [a.identifier for a in sdk.accounts.list(skip=4, take=2)] == ["site4.example"]
    assert list(sdk.servicepacks.iter_all(page_size=1)) == sdk.servicepacks.list()


def test_rate_limit_headers_are_exposed(sdk: Client) -> None:
    assert sdk.rate_limit is None
    sdk.servicepacks.list()
    first = sdk.rate_limit
    sdk.servicepacks.list()
    assert first is not None
    assert sdk.rate_limit is not None
    assert sdk.rate_limit.limit == 1000
    assert sdk.rate_limit.usage == first.usage + 1
    assert sdk.rate_limit.remaining == 1000 - sdk.rate_limit.usage


def test_429_sleeps_retry_after_then_succeeds(
    test_client: TestClient[Any], credentials: CredentialsService
) -> None:
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        time.sleep(seconds)

    with make_client(test_client, credentials, "alice", rate_limit="2/second", sleep=sleep) as client:
        for _ in range(4):
            assert len(client.servicepacks.list()) == 4
    assert naps
    assert all(0 < nap <= 1 for nap in naps)


def test_429_is_raised_after_the_configured_retries(
    test_client: TestClient[Any], credentials: CredentialsService
) -> None:
    naps: list[float] = []
    options: dict[str, Any] = {"rate_limit": "2/minute", "sleep": naps.append, "rate_limit_retries": 2}
    with make_client(test_client, credentials, "alice", **options) as client:
        client.servicepacks.list()
        client.servicepacks.list()
        with pytest.raises(RateLimitError) as caught:
            client.servicepacks.list()
    assert caught.value.status == 429
    assert caught.value.retry_after is not None
    assert 0 < caught.value.retry_after <= 60
    assert len(naps) == 2
    assert caught.value.request is not None
    assert caught.value.request.url.path == "/v2/servicepacks"


def test_429_retries_can_be_disabled(test_client: TestClient[Any], credentials: CredentialsService) -> None:
    naps: list[float] = []
    options: dict[str, Any] = {"rate_limit": "1/minute", "sleep": naps.append, "rate_limit_retries": 0}
    with make_client(test_client, credentials, "alice", **options) as client:
        client.servicepacks.list()
        with pytest.raises(RateLimitError):
            client.servicepacks.list()
    assert naps == []


def test_validation_errors_are_carried(sdk: Client) -> None:
    with pytest.raises(ValidationError) as caught:
        sdk.accounts.create("example.com", 1, "short")
    assert caught.value.status == 400
    assert caught.value.validation_errors
    assert caught.value.error_code == caught.value.validation_errors[0].error_code
    assert sdk.accounts.list() == []


def test_another_resellers_account_is_not_found(sdk: Client, other_sdk: Client) -> None:
    account = sdk.accounts.create("example.com", 4, wait=True, timeout=15)
    with pytest.raises(NotFoundError) as caught:
        other_sdk.accounts.get(account.id)
    assert caught.value.status == 404
    assert caught.value.error_code
    assert other_sdk.accounts.list() == []


def test_a_wrong_secret_is_an_authentication_error(
    test_client: TestClient[Any], credentials: CredentialsService
) -> None:
    created = credentials.create_key("alice", ["127.0.0.1"])
    client = Client(BASE_URL, created.api_key, "not-the-secret", transport=Through(test_client))
    with client, pytest.raises(AuthenticationError) as caught:
        client.servicepacks.list()
    assert (caught.value.status, caught.value.error_code) == (401, "authorization_hmac_invalid")
    assert "not-the-secret" not in repr(client)
