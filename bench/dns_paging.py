"""DNS record paging: the last page of a big zone must cost at most twice the first page.

In-process, on SQLite (or ``--database-url postgresql://...``): a zone is filled to 1k, 10k
and 100k records, then the service call behind ``GET /v2/dns/{domain}/records`` is timed for
the first page, the last page (``skip = n - 25``) and a ``type`` + ``record_name`` lookup.
Prints the ratios; ``--check`` exits 1 when the last page costs more than twice the first, or
a filtered lookup at the largest size costs more than twice what it did at the smallest.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from reseller_api.conventions.paging import Page
from reseller_api.resources.dns import service
from reseller_api.resources.dns.tables import dns_records, dns_zones
from reseller_api.store import migrate
from reseller_api.store.database import Database
from reseller_api.store.tables import resellers

SIZES = (1_000, 10_000, 100_000)
TAKE = 25
MAX_RATIO = 2.0


def timed(call, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Median seconds of ``repeat`` calls (after one warm-up)."""
    call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def fill(database: Database, zone_id: int, start: int, stop: int) -> None:
    rows = [
        {
            "zone_id": zone_id,
            "position": i,
            "type": "A",
            "name": f"host{i}",
            "ttl": 3600,
            "content": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
            "rdata": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
            "created_at": 0.0,
        }
        for i in range(start + 1, stop + 1)
    ]
    with database.transaction() as conn:
        for chunk in range(0, len(rows), 5000):
            conn.execute(insert(dns_records), rows[chunk : chunk + 5000])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='dns-bench-')) / 'bench.db'}"
    database = Database(url.replace("postgresql://", "postgresql+psycopg://", 1))
    migrate.upgrade(database)
    with database.transaction() as conn:
        reseller = conn.execute(
            insert(resellers).values(name=f"bench-{time.time_ns()}", created_at=0.0).returning(resellers.c.id)
        ).scalar_one()
        domain = f"bench{time.time_ns()}.com"
        zone_id = conn.execute(
            insert(dns_zones)
            .values(reseller_id=reseller, domain_name=domain, created_at=0.0)
            .returning(dns_zones.c.id)
        ).scalar_one()

    failures = []
    lookup_times = {}
    filled = 0
    print(f"{'records':>8} {'first ms':>9} {'last ms':>9} {'last/first':>10} {'lookup ms':>10}")
    for size in SIZES:
        fill(database, zone_id, filled, size)
        filled = size

        def first() -> None:
            service.list_records(database, reseller, domain, Page(0, TAKE), None, None, None)

        def last(n: int = size) -> None:
            items, total = service.list_records(
                database, reseller, domain, Page(n - TAKE, TAKE), None, None, None
            )
            assert len(items) == TAKE
            assert total == n

        def lookup(n: int = size) -> None:
            items, _ = service.list_records(database, reseller, domain, Page(), "A", f"host{n // 2}", None)
            assert len(items) == 1

        t_first, t_last, t_lookup = (timed(f, args.repeat) for f in (first, last, lookup))
        lookup_times[size] = t_lookup
        ratio = t_last / t_first
        print(f"{size:>8} {t_first * 1e3:>9.3f} {t_last * 1e3:>9.3f} {ratio:>10.2f} {t_lookup * 1e3:>10.3f}")
        if ratio > MAX_RATIO:
            failures.append(f"{size} records: last page {ratio:.2f}x the first (target <= {MAX_RATIO})")
    growth = lookup_times[SIZES[-1]] / lookup_times[SIZES[0]]
    print(f"filtered lookup {SIZES[-1]} vs {SIZES[0]} records: {growth:.2f}x")
    if growth > MAX_RATIO:
        failures.append(f"filtered lookup grew {growth:.2f}x from {SIZES[0]} to {SIZES[-1]} records")
    database.dispose()
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
