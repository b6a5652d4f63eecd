"""Shared fixtures. ``--db postgresql`` runs the database-backed tests on PostgreSQL."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from reseller_api.app import create_app
from reseller_api.credentials.service import CredentialsService
from reseller_api.crypto import SecretBox
from reseller_api.settings import Settings
from reseller_api.store.database import Database
from tests import harness
from tests.harness import AddressedClient, Caller, ClientAddress, DatabaseFactory

TEST_SECRET_KEY = "N2q0n1XzXb0m2wqJ7b4Zb9Xk7yT6c0fQm3S8d1Lr5aE="


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """argon2id at production cost takes ~0.1 s per hash; hundreds of orders in the suite
    would spend minutes on it. In-process tests hash with minimal parameters (the PHC
    string records them, so verification is unchanged); servers started as subprocesses
    keep the real cost."""
    from argon2 import PasswordHasher

    from reseller_api import crypto

    original = crypto._hasher
    crypto._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    crypto._hasher = original


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db", default="sqlite", choices=["sqlite", "postgresql"], help="database engine for tests"
    )
    parser.addoption(
        "--runner",
        default="embedded",
        choices=["embedded", "procrastinate"],
        help="job runner for tests; procrastinate implies --db postgresql and uses Redis (scale-out mode)",
    )


def scale_out(config: pytest.Config) -> bool:
    return bool(config.getoption("--runner") == "procrastinate")


def pytest_configure(config: pytest.Config) -> None:
    # For modules that build their application at import (schemathesis parametrizes from it).
    harness.ENGINE = "postgresql" if scale_out(config) else str(config.getoption("--db"))


@pytest.fixture(scope="session")
def db_factory(request: pytest.FixtureRequest) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(harness.ENGINE, Path(tempfile.mkdtemp(prefix="reseller-api-")))
    if scale_out(request.config):
        from tests.scale_out import prepare_procrastinate

        prepare_procrastinate(factory)
    yield factory
    factory.close()


@pytest.fixture
def settings(tmp_path: Path, db_factory: DatabaseFactory, request: pytest.FixtureRequest) -> Settings:
    from tests.scale_out import scale_out_env

    return Settings.from_env(
        {
            **(scale_out_env() if scale_out(request.config) else {}),
            "RESELLER_API_DATA_DIR": str(tmp_path),
            "RESELLER_API_DATABASE_URL": db_factory.url_for(tmp_path).replace(
                "postgresql+psycopg", "postgresql"
            ),
            "RESELLER_API_SECRET_KEY": TEST_SECRET_KEY,
            "RESELLER_API_JOB_DURATION": "0.2",
        }
    )


@pytest.fixture
def database(settings: Settings, tmp_path: Path, db_factory: DatabaseFactory) -> Iterator[Database]:
    with db_factory.database(tmp_path) as db:
        if settings.job_runner == "procrastinate":
            from tests.scale_out import reset_procrastinate

            reset_procrastinate(db)
        yield db


@pytest.fixture
def credentials(database: Database, settings: Settings) -> CredentialsService:
    return CredentialsService(database, SecretBox.from_settings(settings))


class FakeClock:
    """The gate's clock; tests move it to check signature ages."""

    def __init__(self) -> None:
        self.now: float | None = None

    def __call__(self) -> float:
        import time

        return time.time() if self.now is None else self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(settings: Settings, database: Database, clock: FakeClock) -> Iterator[Any]:
    # Scale-out mode: a procrastinate worker runs inside the test's app (the tests patch backends).
    app = create_app(settings, database=database, clock=clock, run_jobs=True)
    yield app
    app.dispose()  # Redis connections of the loops the test ran the app on


@pytest.fixture
def test_client(app: Any) -> Iterator[TestClient[Any]]:
    """One in-process client per app: its lifespan (the job runner) runs for the test."""
    with TestClient(ClientAddress(app), base_url="http://testserver.local") as client:  # type: ignore[arg-type]
        yield client


@pytest.fixture
def client_factory(test_client: TestClient[Any]) -> Callable[[str], AddressedClient]:
    """Clients that call from a given IP address (default 127.0.0.1)."""

    def make(address: str = "127.0.0.1") -> AddressedClient:
        return AddressedClient(test_client, address)

    return make


@pytest.fixture
def api(client_factory: Callable[[str], AddressedClient], credentials: CredentialsService) -> Caller:
    """A signed caller for reseller 'alice', whitelisted for localhost."""
    created = credentials.create_key("alice", ["127.0.0.1", "::1"])
    return Caller(client_factory("127.0.0.1"), created.api_key, created.api_secret)


@pytest.fixture
def other_api(client_factory: Callable[[str], AddressedClient], credentials: CredentialsService) -> Caller:
    """A second reseller, 'bob', who must never see alice's things."""
    created = credentials.create_key("bob", ["127.0.0.1"])
    return Caller(client_factory("127.0.0.1"), created.api_key, created.api_secret)
