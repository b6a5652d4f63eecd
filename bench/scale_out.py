"""Benchmark: scale-out on PostgreSQL + Redis, 1 vs 2 API processes and 1 vs 2 workers, in one run.

1. Signed ``GET /v2/servicepacks`` throughput: wrk (two instances, one connection group
   each, every request carrying its own pre-signed header) against one API process, then
   against two API processes (one wrk instance per process). Both share one PostgreSQL
   database and one Redis (rate limits and nonces).
2. Provisioning jobs per second: N account orders are accepted with no worker running,
   then one worker (then, for another N, two workers) drains them; the rate is measured
   between the first and the last job's ``finished_at``, so start-up is not counted.

    .venv/bin/python bench/scale_out.py [--duration 8] [--connections 32] [--jobs 200]

Prints the figures and ratios; writes ``bench/results/scale_out.json``. Needs wrk,
PostgreSQL at 127.0.0.1:5432 (trust auth) and Redis at 127.0.0.1:6379.
Exit status: 0; 2 when it cannot run; 3 when a measurement is invalid (non-2xx answers).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import httpx
import psycopg

from reseller_api.client.signing import authorization_header

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_FILE = BENCH_DIR / "results" / "scale_out.json"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
TARGET = "/v2/servicepacks"
COMMAND = [str(Path(sys.executable).with_name("reseller-api"))]

LUA = """
local headers = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do headers[#headers + 1] = line end
end
request = function()
  i = i + 1
  return wrk.format("GET", nil, {["Authorization"] = headers[((i - 1) % #headers) + 1]})
end
"""


class BenchError(Exception):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(data_dir: Path, database_url: str, prefix: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESELLER_API_")}
    env.update(
        {
            "RESELLER_API_DATA_DIR": str(data_dir),
            "RESELLER_API_DATABASE_URL": database_url,
            "RESELLER_API_REDIS_URL": REDIS_URL,
            "RESELLER_API_REDIS_PREFIX": prefix,
            "RESELLER_API_JOB_RUNNER": "procrastinate",
            "RESELLER_API_PROCESSES": "2",
            "RESELLER_API_JOB_DURATION": "0",
            "RESELLER_API_RATE_LIMIT": "100000000/minute",
            "RESELLER_API_LOG_LEVEL": "WARNING",
            "RESELLER_API_WORKER_CONCURRENCY": "4",
        }
    )
    return env


def start(argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as err:
        return subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve(env: dict[str, str], cwd: Path, name: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = start([*COMMAND, "serve", "--port", str(port)], env, cwd, cwd / f"{name}.log")
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process, port
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise BenchError(f"{name} did not start: {(cwd / f'{name}.log').read_text()[-2000:]}")
        time.sleep(0.1)


def sign_file(path: Path, key: dict[str, str], count: int) -> Path:
    prefix = "b" + secrets.token_hex(6)
    with path.open("w") as out:
        for n in range(count):
            header = authorization_header(
                key["api_key"], key["api_secret"], "GET", TARGET, b"", nonce=f"{prefix}{n:x}"
            )
            out.write(header + "\n")
    return path


def wrk(ports: Sequence[int], key: dict[str, str], work: Path, connections: int, duration: float) -> dict:
    """Two wrk instances (one thread each), spread over ``ports``; returns summed rps."""
    script = work / "presigned.lua"
    script.write_text(LUA)
    # Generous: more headers than any instance can send, so no nonce is ever reused.
    count = int(duration * 15000)
    runs = []
    for n in range(2):
        headers = sign_file(work / f"headers-{n}-{uuid.uuid4().hex[:6]}.txt", key, count)
        port = ports[n % len(ports)]
        argv = ["wrk", "-t1", f"-c{connections // 2}", f"-d{duration:g}s", "--latency", "-s", str(script)]
        argv += [f"http://127.0.0.1:{port}{TARGET}", "--", str(headers)]
        runs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, text=True))
    total, non2xx, p99 = 0.0, 0, 0.0
    for run in runs:
        out, _ = run.communicate(timeout=duration + 60)
        total += float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        non2xx += int(bad.group(1)) if bad else 0
        match = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
        if match:
            scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
            p99 = max(p99, float(match.group(1)) * scale)
    if non2xx:
        raise BenchError(f"{non2xx} non-2xx answers: the measurement is invalid")
    return {"rps": round(total, 1), "p99_ms": round(p99, 2)}


def order_jobs(port: int, key: dict[str, str], count: int, tag: str) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        for n in range(count):
            body = json.dumps({"identifier": f"{tag}{n}.be", "servicepack_id": 3}).encode()
            auth = authorization_header(key["api_key"], key["api_secret"], "POST", "/v2/accounts", body)
            response = client.post(
                "/v2/accounts",
                content=body,
                headers={"Authorization": auth, "Content-Type": "application/json"},
            )
            if response.status_code != 202:
                raise BenchError(f"order refused: {response.status_code} {response.text}")


def drain(database_url: str, env: dict[str, str], work: Path, workers: int, since: float, tag: str) -> dict:
    """Start ``workers`` workers; wait until no job is ongoing; rate over the jobs created since ``since``."""
    processes = [
        start([*COMMAND, "worker"], env, work, work / f"worker-{tag}-{n}.log") for n in range(workers)
    ]
    try:
        deadline = time.monotonic() + 300
        with psycopg.connect(database_url, autocommit=True) as conn:
            while conn.execute(
                "SELECT count(*) FROM provisioning_jobs WHERE status = 'ongoing'"
            ).fetchone() != (0,):
                if time.monotonic() > deadline:
                    raise BenchError("jobs did not finish within 5 minutes")
                time.sleep(0.2)
            count, first, last = conn.execute(
                "SELECT count(*), min(finished_at), max(finished_at) FROM provisioning_jobs "
                "WHERE status = 'finished' AND created_at >= %s",
                (since,),
            ).fetchone() or (0, 0, 0)
    finally:
        for process in processes:
            stop(process)
    seconds = max(1e-6, float(last) - float(first))
    rate = round((int(count) - 1) / seconds, 1)
    return {"workers": workers, "jobs": int(count), "seconds": round(seconds, 3), "jobs_per_s": rate}


def benchmark(args: argparse.Namespace, work: Path) -> dict:
    name = f"reseller_api_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    env = environment(work, database_url, f"bench-{uuid.uuid4().hex[:8]}")
    try:
        subprocess.run([*COMMAND, "migrate"], env=env, cwd=work, check=True, capture_output=True)
        created = subprocess.run(
            [*COMMAND, "admin", "key", "create", "--reseller", "bench", "--allow-ip", "127.0.0.1", "--json"],
            env=env,
            cwd=work,
            check=True,
            capture_output=True,
            text=True,
        )
        key = json.loads(created.stdout)
        first, port_a = serve(env, work, "api-1")
        try:
            one = wrk([port_a], key, work, args.connections, args.duration)
            second, port_b = serve(env, work, "api-2")
            try:
                two = wrk([port_a, port_b], key, work, args.connections, args.duration)
            finally:
                stop(second)
            since = time.time()
            order_jobs(port_a, key, args.jobs, "one")
            w1 = drain(database_url, env, work, 1, since, "one")
            since = time.time()
            order_jobs(port_a, key, args.jobs, "two")
            w2 = drain(database_url, env, work, 2, since, "two")
        finally:
            stop(first)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "signed_get": {"one_process": one, "two_processes": two, "ratio": round(two["rps"] / one["rps"], 2)},
        "jobs": {"one_worker": w1, "two_workers": w2, "ratio": round(w2["jobs_per_s"] / w1["jobs_per_s"], 2)},
        "settings": {"duration_s": args.duration, "connections": args.connections, "jobs": args.jobs},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--jobs", type=int, default=200)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="reseller-api-bench-"))
    try:
        results = benchmark(args, work)
    except BenchError as exc:
        print(f"benchmark invalid: {exc}", file=sys.stderr)
        return 3
    except (subprocess.CalledProcessError, psycopg.Error) as exc:
        print(f"benchmark cannot run: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
    get, jobs = results["signed_get"], results["jobs"]
    print(
        f"signed GET {TARGET}, PostgreSQL + Redis, {args.connections} connections, {args.duration:g}s each:"
    )
    print(f"  1 API process : {get['one_process']['rps']:>9.1f} rps  p99 {get['one_process']['p99_ms']} ms")
    print(
        f"  2 API processes: {get['two_processes']['rps']:>9.1f} rps  p99 {get['two_processes']['p99_ms']} ms"
    )
    print(f"  ratio 2/1: {get['ratio']}")
    print(f"provisioning jobs (mail-only accounts, {args.jobs} per run, JOB_DURATION=0):")
    print(f"  1 worker : {jobs['one_worker']['jobs_per_s']:>7.1f} jobs/s")
    print(f"  2 workers: {jobs['two_workers']['jobs_per_s']:>7.1f} jobs/s")
    print(f"  ratio 2/1: {jobs['ratio']}")
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
