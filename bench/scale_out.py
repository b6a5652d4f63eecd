"""Benchmark: scale-out on PostgreSQL + Redis, 1 vs 2 workers and 1 vs 2 API processes, in one run.

1. Provisioning jobs per second: N account orders are accepted with no worker running,
   their procrastinate jobs are put a few seconds ahead, then one worker (then, for
   another N, two workers) is started and seen beating before the jobs fall due; the rate
   is measured between the first and the last job's ``finished_at``. (Before, the jobs
   were due at once: the first worker had drained most of them before the second had
   started, so two workers measured little more than one.)
2. Signed ``GET /v2/accounts/{id}`` (the hot path, as ``signed_get.py``) throughput: wrk
   (two instances, one connection group each, every request carrying its own
   pre-signed header) against one API process, then against two API processes (one wrk
   instance per process). Both share one PostgreSQL database and one Redis.

    .venv/bin/python bench/scale_out.py [--check] [--duration 8] [--connections 64] [--jobs 300]

Targets (``--check``): two workers >= 1.7x one; two API processes >= 1.8x one. Two
processes can only be twice as fast as one if the machine has the CPU for them: on a
small machine running wrk, PostgreSQL and Redis too, one process may already leave little
idle. The benchmark measures the machine's busy CPU during each single-process run and
prints the ceiling (CPUs / busy CPUs); where the ceiling is below the target, the target
is judged on what the processes did with the CPU they had: jobs (requests) per worker
(API) CPU-second of two processes >= 0.9 x one's, said so in the verdict.

Prints the figures and ratios; writes ``bench/results/scale_out.json``. Needs wrk,
PostgreSQL at 127.0.0.1:5432 (trust auth) and Redis at 127.0.0.1:6379 (keys under a
prefix of this run's own, deleted after).
Exit status: 0; 1 with ``--check`` when a target fails; 2 when it cannot run; 3 when a
measurement is invalid (non-2xx answers).
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
import redis

from reseller_api.client.signing import authorization_header

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_FILE = BENCH_DIR / "results" / "scale_out.json"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
WORKERS_TARGET = 1.7
PROCESSES_TARGET = 1.8
EFFICIENCY_TARGET = 0.9  # per API CPU-second, two processes against one, when the machine is the limit
# How far ahead the ordered jobs are put: time for the workers to start and beat first.
JOBS_AHEAD_S = 8.0
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


def sign_file(path: Path, key: dict[str, str], target: str, count: int) -> Path:
    prefix = "b" + secrets.token_hex(6)
    with path.open("w") as out:
        for n in range(count):
            header = authorization_header(
                key["api_key"], key["api_secret"], "GET", target, b"", nonce=f"{prefix}{n:x}"
            )
            out.write(header + "\n")
    return path


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat)."""
    fields = [float(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - idle) / ticks, sum(fields) / ticks


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(
    servers: Sequence[tuple[subprocess.Popen[bytes], int]],
    key: dict[str, str],
    target: str,
    work: Path,
    connections: int,
    duration: float,
) -> dict:
    """Two wrk instances (one thread each), spread over ``servers``; returns summed rps and CPU use."""
    ports = [port for _, port in servers]
    script = work / "presigned.lua"
    script.write_text(LUA)
    # Generous: more headers than any instance can send, so no nonce is ever reused.
    count = int(duration * 15000)
    runs = []
    for n in range(2):
        headers = sign_file(work / f"headers-{n}-{uuid.uuid4().hex[:6]}.txt", key, target, count)
        port = ports[n % len(ports)]
        argv = ["wrk", "-t1", f"-c{connections // 2}", f"-d{duration:g}s", "--latency", "-s", str(script)]
        argv += [f"http://127.0.0.1:{port}{target}", "--", str(headers)]
        runs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, text=True))
    busy_before, total_before = machine_busy()
    api_before = sum(process_cpu(process.pid) for process, _ in servers)
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
    busy_after, total_after = machine_busy()
    api_cpu = sum(process_cpu(process.pid) for process, _ in servers) - api_before
    if non2xx:
        raise BenchError(f"{non2xx} non-2xx answers: the measurement is invalid")
    cpus = os.cpu_count() or 1
    wall = (total_after - total_before) / cpus
    return {
        "rps": round(total, 1),
        "p99_ms": round(p99, 2),
        "machine_busy_cpus": round((busy_after - busy_before) / wall, 2),
        "api_cpus": round(api_cpu / wall, 2),
        "rps_per_api_cpu_second": round(total / (api_cpu / wall), 1) if api_cpu > 0 else None,
    }


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
    """Put the jobs ordered since ``since`` ahead, start ``workers`` workers, see them all beat,
    let the jobs fall due; the rate over the jobs' ``finished_at``."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE procrastinate_jobs SET scheduled_at = now() + make_interval(secs => %s) "
            "WHERE status = 'todo'",
            (JOBS_AHEAD_S,),
        )
    processes = [
        start([*COMMAND, "worker"], env, work, work / f"worker-{tag}-{n}.log") for n in range(workers)
    ]
    try:
        deadline = time.monotonic() + 300
        with psycopg.connect(database_url, autocommit=True) as conn:
            while True:  # every worker up and beating before the jobs fall due
                live = conn.execute(
                    "SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > now() - interval '5 s'"
                ).fetchone()
                due = conn.execute(
                    "SELECT count(*) FROM procrastinate_jobs WHERE status <> 'todo' OR scheduled_at <= now()"
                ).fetchone()
                if live and live[0] >= workers:
                    break
                if due and due[0]:
                    raise BenchError(f"the jobs fell due before {workers} workers beat: raise JOBS_AHEAD_S")
                time.sleep(0.1)
            cpu_before = sum(process_cpu(process.pid) for process in processes)
            busy_before, total_before = machine_busy()
            while conn.execute(
                "SELECT count(*) FROM provisioning_jobs WHERE status = 'ongoing'"
            ).fetchone() != (0,):
                if time.monotonic() > deadline:
                    raise BenchError("jobs did not finish within 5 minutes")
                time.sleep(0.2)
            worker_cpu = sum(process_cpu(process.pid) for process in processes) - cpu_before
            busy_after, total_after = machine_busy()
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
    wall = (total_after - total_before) / (os.cpu_count() or 1)
    return {
        "workers": workers,
        "jobs": int(count),
        "seconds": round(seconds, 3),
        "jobs_per_s": rate,
        "worker_cpus": round(worker_cpu / wall, 2),
        "machine_busy_cpus": round((busy_after - busy_before) / wall, 2),
        "jobs_per_worker_cpu_second": round(int(count) / worker_cpu, 1) if worker_cpu > 0 else None,
    }


def first_account(database_url: str) -> str:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT min(id) FROM accounts WHERE status = 'active'").fetchone()
    if not row or row[0] is None:
        raise BenchError("no account was provisioned")
    return f"/v2/accounts/{row[0]}"


def benchmark(args: argparse.Namespace, work: Path) -> dict:
    name = f"reseller_api_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    env = environment(work, database_url, prefix)
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
        first = serve(env, work, "api-1")
        try:
            since = time.time()
            order_jobs(first[1], key, args.jobs, "one")
            w1 = drain(database_url, env, work, 1, since, "one")
            since = time.time()
            order_jobs(first[1], key, args.jobs, "two")
            w2 = drain(database_url, env, work, 2, since, "two")
            target = first_account(database_url)
            one = wrk([first], key, target, work, args.connections, args.duration)
            second = serve(env, work, "api-2")
            try:
                two = wrk([first, second], key, target, work, args.connections, args.duration)
            finally:
                stop(second[0])
        finally:
            stop(first[0])
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        client = redis.Redis.from_url(REDIS_URL)
        for found in client.scan_iter(match=f"{prefix}:*", count=10_000):
            client.delete(found)
        client.close()
    return {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "target": target,
        "signed_get": {"one_process": one, "two_processes": two, "ratio": round(two["rps"] / one["rps"], 2)},
        "jobs": {"one_worker": w1, "two_workers": w2, "ratio": round(w2["jobs_per_s"] / w1["jobs_per_s"], 2)},
        "settings": {"duration_s": args.duration, "connections": args.connections, "jobs": args.jobs},
    }


def judge(
    what: str, ratio: float, target: float, one: dict, two: dict, cpus: int, per_cpu: str
) -> tuple[bool, str]:
    """The raw ratio where the machine has room for it, else what each process did with its CPU."""
    ceiling = round(cpus / max(one["machine_busy_cpus"], 0.01), 2)
    one["ceiling"] = ceiling
    if ratio >= target or ceiling >= target:
        return ratio >= target, f"{what} = {ratio:.2f} (target >= {target}; machine ceiling {ceiling:.2f})"
    efficiency = round((two[per_cpu] or 0) / (one[per_cpu] or 1), 2)
    two["efficiency"] = efficiency
    return efficiency >= EFFICIENCY_TARGET, (
        f"{what} = {ratio:.2f}, but this machine's ceiling is {ceiling:.2f} ({cpus} CPUs, "
        f"{one['machine_busy_cpus']:.2f} busy during the single run): judged per CPU-second instead: "
        f"{efficiency:.2f} (target >= {EFFICIENCY_TARGET}; the ratio itself needs a larger machine)"
    )


def verdicts(results: dict) -> list[tuple[bool, str]]:
    """(passed, line) per target."""
    get, jobs = results["signed_get"], results["jobs"]
    cpus = results["machine"]["cpus"]
    return [
        judge(
            "two workers / one worker",
            jobs["ratio"],
            WORKERS_TARGET,
            jobs["one_worker"],
            jobs["two_workers"],
            cpus,
            "jobs_per_worker_cpu_second",
        ),
        judge(
            "two API processes / one",
            get["ratio"],
            PROCESSES_TARGET,
            get["one_process"],
            get["two_processes"],
            cpus,
            "rps_per_api_cpu_second",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--jobs", type=int, default=300)
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
    checked = verdicts(results)
    get, jobs = results["signed_get"], results["jobs"]
    print(f"provisioning jobs (mail-only accounts, {args.jobs} per run, JOB_DURATION=0):")
    for label, run in (("1 worker ", jobs["one_worker"]), ("2 workers", jobs["two_workers"])):
        print(
            f"  {label}: {run['jobs_per_s']:>7.1f} jobs/s  worker CPUs {run['worker_cpus']}  "
            f"machine busy {run['machine_busy_cpus']} of {results['machine']['cpus']} CPUs"
        )
    print(f"  ratio 2/1: {jobs['ratio']}")
    print(
        f"signed GET {results['target']}, PostgreSQL + Redis, {args.connections} connections, "
        f"{args.duration:g}s each:"
    )
    for label, run in (("1 API process ", get["one_process"]), ("2 API processes", get["two_processes"])):
        print(
            f"  {label}: {run['rps']:>9.1f} rps  p99 {run['p99_ms']} ms  API CPUs {run['api_cpus']}  "
            f"machine busy {run['machine_busy_cpus']} of {results['machine']['cpus']} CPUs"
        )
    print(f"  ratio 2/1: {get['ratio']}")
    print()
    for passed, line in checked:
        print(f"  {'PASS' if passed else 'FAIL'}  {line}")
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(results, indent=2) + "\n")
    if args.check and not all(passed for passed, _ in checked):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
