"""Benchmark: signed ``POST /v2/dns/{domain}/records`` on PostgreSQL + Redis against SQLite, in one run.

Starts both layouts of ``signed_get.py`` side by side (SQLite with the embedded runner;
PostgreSQL + Redis + procrastinate with one worker), each with a key and a provisioned
account whose DNS zone takes the records. Then, in ``--rounds`` rounds, SQLite then
PostgreSQL, wrk posts pre-signed, distinct TXT records (every request its own nonce and
its own record, so every answer is a 201) at ``--connections`` connections for
``--duration`` s. The ratio is PostgreSQL's requests over SQLite's, all rounds summed.

    .venv/bin/python bench/writes.py [--check] [--duration 8] [--connections 16] [--rounds 2]

Target (``--check``): rps(PostgreSQL) / rps(SQLite) >= 0.5. Exit status: 0; 1 with
``--check`` when it fails; 2 when it cannot run; 3 when a measurement is invalid (any
answer but 201).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from signed_get import (
    HOST,
    RESULTS_DIR,
    BenchError,
    Run,
    Server,
    Signer,
    create_fixture,
    free_port,
    layout,
    run_wrk,
    running,
    venv_bin,
)

TARGET_RATIO = 0.5
LAYOUTS = ("sqlite", "postgresql")
# Records signed per second of measurement: more than either layout can write.
SIGN_RATE = 3000


def sign_posts(signer: Signer, path: Path, target: str, count: int, tag: str) -> Path:
    """``count`` lines "header<TAB>body": distinct TXT records, each signed with its own nonce."""
    with path.open("w") as out:
        for n in range(count):
            body = json.dumps(
                {"type": "TXT", "record_name": f"{tag}{n}", "content": f"bench {tag} {n}", "ttl": 3600}
            )
            out.write(f"{signer.header('POST', target, body.encode())}\t{body}\n")
    return path


def benchmark(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    servers: dict[str, tuple[Server, Signer, str]] = {}
    runs: dict[str, list[Run]] = {name: [] for name in LAYOUTS}
    with contextlib.ExitStack() as stack:
        for name in LAYOUTS:
            data_dir = work / name
            data_dir.mkdir()
            env = stack.enter_context(layout(argparse.Namespace(**{**vars(args), "layout": name}), data_dir))
            port = free_port()
            argv = [str(venv_bin("reseller-api")), "serve", "--host", HOST, "--port", str(port)]
            print(f"starting reseller-api serve ({name}) on {HOST}:{port}", file=sys.stderr)
            api = stack.enter_context(running(f"api-{name}", argv, env=env, cwd=data_dir))
            fixture = create_fixture(api, env, data_dir)
            domain = json.loads(fixture.body)["identifier"]
            signer = Signer(fixture.api_key, fixture.api_secret)
            servers[name] = (api, signer, f"/v2/dns/{domain}/records")
        for round_no in range(args.rounds):
            for name in LAYOUTS:
                api, signer, target = servers[name]
                print(f"  {name}, round {round_no + 1} ...", file=sys.stderr)
                count = int(SIGN_RATE * args.duration)
                posts = sign_posts(signer, work / f"{name}.posts", target, count, f"r{round_no}n")
                run = run_wrk(
                    args.wrk,
                    api,
                    name,
                    target,
                    connections=args.connections,
                    threads=1,
                    duration=args.duration,
                    headers_file=posts,
                    headers_signed=count,
                    mode="post",
                    expected=201,
                )
                runs[name].append(run)
    totals = {name: sum(r.requests for r in rs) / sum(r.duration_s for r in rs) for name, rs in runs.items()}
    return {
        "runs": {name: [vars(r) for r in rs] for name, rs in runs.items()},
        "rps": {name: round(value, 1) for name, value in totals.items()},
        "ratio": round(totals["postgresql"] / totals["sqlite"], 3),
        "valid": all(r.valid for rs in runs.values() for r in rs),
        "problems": [p for rs in runs.values() for r in rs for p in r.problems],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the target fails")
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--wrk", default=shutil.which("wrk"))
    args = parser.parse_args()
    args.env = []
    if not args.wrk:
        print("wrk is not installed", file=sys.stderr)
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix="reseller-writes-") as tmp:
            results = benchmark(args, Path(tmp))
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    print(f"\nsigned POST /v2/dns/{{domain}}/records (TXT), {args.connections} connections, ")
    print(f"{args.rounds} rounds of {args.duration:g} s per layout:")
    for name in LAYOUTS:
        p99 = max(r["latency_ms"]["p99"] for r in results["runs"][name])
        print(f"  {name:<10} {results['rps'][name]:>8,.1f} rps  (worst p99 {p99:.1f} ms)")
    passed = results["ratio"] >= TARGET_RATIO
    verdict = "PASS" if passed else "FAIL"
    if not results["valid"]:
        verdict = f"INVALID (would {verdict}): {'; '.join(results['problems'])}"
    print(f"\n  {verdict}  rps(postgresql)/rps(sqlite) >= {TARGET_RATIO}: {results['ratio']:.3f}")
    output = RESULTS_DIR / "writes.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    if not results["valid"]:
        return 3
    return 1 if args.check and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
