"""The sandbox's reset must take under a second (issue 20): measured here, not in a timed test.

In-process, on SQLite (or ``--database-url postgresql://...``, an empty database): the example
fixture (tests/data/sandbox.yaml) is loaded, scaled by ``--copies`` (each copy another reseller
with its own account, records, mailbox and database), the state is changed (accounts, records and
fault rules added), then ``Fixtures.reset`` is timed. Prints the median and the worst of
``--repeat`` resets; ``--check`` exits 1 when the worst is a second or more.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from cryptography.fernet import Fernet

from reseller_api.crypto import SecretBox
from reseller_api.sandbox import faults
from reseller_api.sandbox.fixtures import Fixtures
from reseller_api.sandbox.runtime import Sandbox
from reseller_api.settings import Settings
from reseller_api.store import migrate
from reseller_api.store.database import Database

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "data" / "sandbox.yaml"
TARGET = 1.0


def scaled(copies: int) -> dict[str, Any]:
    data = yaml.safe_load(FIXTURE.read_text())
    template = data["resellers"][0]
    for i in range(1, copies):
        reseller = copy.deepcopy(template)
        text = yaml.safe_dump(reseller).replace("shop.example.com", f"shop{i}.example.com")
        reseller = yaml.safe_load(text.replace("acme-sandbox", f"acme{i}-sandbox"))
        reseller["name"] = f"acme{i}"
        data["resellers"].append(reseller)
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite in a temp dir)")
    parser.add_argument(
        "--copies", type=int, default=10, help="resellers like the fixture's first (default 10)"
    )
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 when a reset takes {TARGET:.0f} s or more"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sandbox-reset-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    settings = Settings.from_env(
        {
            "RESELLER_API_DATA_DIR": str(workdir),
            "RESELLER_API_DATABASE_URL": url,
            "RESELLER_API_SECRET_KEY": Fernet.generate_key().decode(),
            "RESELLER_API_SANDBOX": "true",
            "RESELLER_API_JOB_DURATION": "0",
        }
    )
    database = Database(settings.database_url)
    migrate.upgrade(database)
    sandbox = Sandbox(database)
    sandbox.start()
    try:
        fixtures = Fixtures(settings, database, SecretBox.from_settings(settings))
        started = time.perf_counter()
        made = fixtures.load(scaled(args.copies))["loaded"]
        print(f"loaded {made} in {time.perf_counter() - started:.2f} s")
        samples = []
        for _ in range(args.repeat):
            faults.add_request_fault(database, status=503, times=None)
            faults.add_job_fault(database, job_kind=None, reason="bench")
            fixtures.load({"resellers": [{"name": "later", "keys": [{"allowed_ips": ["127.0.0.1"]}]}]})
            start = time.perf_counter()
            fixtures.reset()
            samples.append(time.perf_counter() - start)
    finally:
        sandbox.stop()
        database.dispose()
    worst = max(samples)
    median = statistics.median(samples)
    print(f"reset: median {median * 1000:.1f} ms, worst {worst * 1000:.1f} ms ({args.repeat} resets)")
    verdict = "PASS" if worst < TARGET else "FAIL"
    print(f"{verdict}: a reset takes under {TARGET:.0f} s")
    return 0 if verdict == "PASS" or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
