"""Benchmark: a signed ``GET /v2/accounts/{id}`` against bare baselines, in one run.

Starts a real ``reseller-api serve`` (one uvicorn worker, SQLite in a temporary data
directory, default settings except a huge rate limit and instant provisioning jobs),
creates a key and an account, then loads ``GET /v2/accounts/{id}`` with wrk, every
request carrying its own pre-signed ``Authorization`` header (nonces are single-use);
and, right after at each connection count, two baselines that answer the same bytes
with nothing behind them, under the same uvicorn configuration: ``bare_starlette.py``
(one Starlette route: the issue's "bare Starlette is 1.0", on which the target is set)
and ``bare_asgi.py`` (no framework at all: informative, a ceiling for any framework).
Prints rps and latency for each, the ratios rps(api)/rps(baseline), and PASS/FAIL
against the targets; writes everything to ``bench/results/signed_get.json``. See
bench/README.md.

    .venv/bin/python bench/signed_get.py [--check] [--duration 10] [--connections 64 8]

Exit status: 0; 1 when ``--check`` is given and a target fails; 2 when the benchmark
cannot run (wrk missing, a server does not start); 3 when a measurement is invalid (any
non-200 response or socket error); 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.util
import json
import math
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from reseller_api.client.signing import authorization_header

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
LUA_SCRIPT = BENCH_DIR / "presigned.lua"
# The baselines, in the order they are measured after the API; the first is the target's.
BASELINES = {"starlette": BENCH_DIR / "bare_starlette.py", "asgi": BENCH_DIR / "bare_asgi.py"}
TARGET_BASELINE = "starlette"
RESULTS_DIR = BENCH_DIR / "results"
HOST = "127.0.0.1"

SERVER_ENV = {
    "RESELLER_API_RATE_LIMIT": "100000000/minute",
    "RESELLER_API_JOB_DURATION": "0",
}
ACCOUNT_BODY = {"identifier": "bench.example", "servicepack_id": 3}  # 3: mail only

# The targets from the issue (on the ratio against bare Starlette, TARGET_BASELINE), per
# layout: (what, connections, threshold). "ratio": rps(api)/rps(starlette) at least;
# "p99"/"p999": the API's latency percentile at most, in ms.
TARGETS: dict[str, list[tuple[str, int, float]]] = {
    "sqlite": [("ratio", 64, 0.30), ("p999", 64, 20.0), ("p99", 8, 10.0)],
    "postgresql": [("ratio", 64, 0.10), ("p99", 8, 10.0)],
}
# --memory: the server's resident memory after this many signed requests, at most (MiB).
MEMORY_REQUESTS = 500_000
MEMORY_MAX_MB = 150.0
# Informative: the stretch goals (printed, never judged).
STRETCH = {"sqlite": 0.40, "postgresql": 0.15}

# Headers signed per second of warm-up: more than the API can serve on any one core.
WARMUP_SIGN_RATE = 30_000
HEADROOM = 1.5  # sign this many times the warm-up rate x duration for a measurement
BUSY_WAIT_PERCENT = 10.0  # warn when the server waited this long for a CPU
BARE_HEADERS = 100  # the baselines ignore them: wrk sends the same (first) one again and again

WRK_MISSING = """\
wrk is not installed (the load generator this benchmark uses).
On Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y wrk
Elsewhere: https://github.com/wg/wrk (put `wrk` on PATH, or pass --wrk /path/to/wrk)."""

STARLETTE_MISSING = """\
starlette is not installed (the bare Starlette baseline the target is set on).
Install the dev extras: {python} -m pip install -e '.[dev]'  (or: pip install 'starlette>=0.41')"""


class BenchError(Exception):
    """The benchmark cannot run; the message says why."""


# -- processes -----------------------------------------------------------------------


BIN_DIRS = (Path(sys.executable).parent, ROOT / ".venv" / "bin")


def venv_bin(name: str) -> Path:
    """A console script next to this interpreter, else in the project's .venv."""
    for directory in BIN_DIRS:
        candidate = directory / name
        if candidate.exists():
            return candidate
    raise BenchError(f"{name} not found next to {sys.executable} nor in {ROOT / '.venv/bin'}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """A child process serving HTTP on HOST:port, stopped (the whole session) on exit."""

    def __init__(self, name: str, argv: Sequence[str], *, env: dict[str, str], cwd: Path, port: int) -> None:
        self.name = name
        self.port = port
        self.log_path = cwd / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            list(argv),
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us only; we stop it in order
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/__bench_ready__")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.05)
        raise BenchError(f"{self.name} did not answer on {HOST}:{self.port} within {timeout:.0f} s")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process (all its threads) so far."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return math.nan
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime

    def rss_mb(self) -> float:
        """Resident memory of the server process, in MiB (NaN when unknown)."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except (OSError, ValueError, IndexError):
            pass
        return math.nan

    def runqueue_wait_seconds(self) -> float:
        """Time the server's threads spent runnable but waiting for a CPU (other load)."""
        total = 0
        for stat in Path(f"/proc/{self.process.pid}/task").glob("*/schedstat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                total += int(stat.read_text().split()[1])
        return total / 1e9

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log.close()


@contextlib.contextmanager
def running(name: str, argv: Sequence[str], *, env: dict[str, str], cwd: Path) -> Iterator[Server]:
    server = Server(name, argv, env=env, cwd=cwd, port=int(argv[argv.index("--port") + 1]))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def server_env(data_dir: Path) -> dict[str, str]:
    """This environment without any RESELLER_API_* setting, plus ours: defaults otherwise."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESELLER_API_")}
    env.update(SERVER_ENV)
    env["RESELLER_API_DATA_DIR"] = str(data_dir)
    return env


@contextlib.contextmanager
def layout(args: argparse.Namespace, data_dir: Path) -> Iterator[dict[str, str]]:
    """The servers' environment for ``--layout``, and what that layout needs around the API.

    ``sqlite``: the default (a file in the data directory, the embedded job runner).
    ``postgresql``: the production layout of docs/deployment.md: a fresh database on
    ``--postgres`` (dropped after), Redis at ``--redis`` under a key prefix of this run's
    own (its keys deleted after; nothing else on that Redis is touched), procrastinate
    jobs and one ``reseller-api worker`` (it runs the fixture's provisioning job, then
    idles as it would in production).
    """
    env = server_env(data_dir)
    env.update(dict(item.split("=", 1) for item in args.env))
    if args.layout == "sqlite":
        yield env
        return
    import psycopg
    import redis

    name = f"reseller_api_bench_{secrets.token_hex(4)}"
    prefix = f"bench-{secrets.token_hex(4)}"
    admin = args.postgres
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise BenchError(f"cannot create a database on {admin}: {exc}") from None
    env.update(
        {
            "RESELLER_API_DATABASE_URL": admin.rsplit("/", 1)[0] + "/" + name,
            "RESELLER_API_REDIS_URL": args.redis,
            "RESELLER_API_REDIS_PREFIX": prefix,
            "RESELLER_API_JOB_RUNNER": "procrastinate",
            "RESELLER_API_LOG_LEVEL": "WARNING",
        }
    )
    cli = str(venv_bin("reseller-api"))
    try:
        migrated = subprocess.run(
            [cli, "migrate"], env=env, cwd=data_dir, capture_output=True, text=True, check=False
        )
        if migrated.returncode != 0:
            raise BenchError(f"reseller-api migrate failed: {migrated.stderr.strip()[-2000:]}")
        with (data_dir / "worker.log").open("wb") as log:
            worker = subprocess.Popen(
                [cli, "worker"],
                env=env,
                cwd=data_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            yield env
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        client = redis.Redis.from_url(args.redis)
        for keys in _batched(client.scan_iter(match=f"{prefix}:*", count=10_000), 10_000):
            client.delete(*keys)
        client.close()


def _batched(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- the API fixture: a key and an account ---------------------------------------------


@dataclass(frozen=True)
class Fixture:
    api_key: str
    api_secret: str
    target: str  # /v2/accounts/{id}
    body: bytes  # what GET target answers
    content_type: str


class Signer:
    """Authorization headers with nonces unique within this run."""

    def __init__(self, api_key: str, api_secret: str) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.prefix = "bench" + secrets.token_hex(6)
        self.counter = 0

    def header(self, method: str, target: str, body: bytes = b"") -> str:
        self.counter += 1
        nonce = f"{self.prefix}{self.counter:x}"
        return authorization_header(self.api_key, self.api_secret, method, target, body, nonce=nonce)

    def write(self, path: Path, target: str, count: int) -> Path:
        """``count`` headers for ``GET target``, one a line, signed now."""
        with path.open("w") as out:
            out.writelines(self.header("GET", target) + "\n" for _ in range(count))
        return path


def call(
    port: int, signer: Signer, method: str, target: str, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    headers = {"Authorization": signer.header(method, target, body)}
    if body:
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request(method, target, body=body or None, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def create_fixture(api: Server, env: dict[str, str], cwd: Path) -> Fixture:
    created = subprocess.run(
        [
            str(venv_bin("reseller-api")),
            *("admin", "key", "create", "--reseller", "bench", "--allow-ip", HOST, "--json"),
        ],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if created.returncode != 0:
        raise BenchError(f"admin key create failed ({created.returncode}): {created.stderr.strip()}")
    key = json.loads(created.stdout)
    signer = Signer(key["api_key"], key["api_secret"])

    body = json.dumps(ACCOUNT_BODY).encode()
    status, headers, answer = call(api.port, signer, "POST", "/v2/accounts", body)
    if status != 202 or "location" not in headers:
        raise BenchError(f"POST /v2/accounts answered {status}: {answer[:500]!r}")
    job = urlsplit(headers["location"]).path

    deadline = time.monotonic() + 30
    while True:
        status, _, answer = call(api.port, signer, "GET", job)
        if status == 201:
            break
        if status != 200 or time.monotonic() > deadline:
            raise BenchError(f"GET {job} answered {status}: {answer[:500]!r}")
        time.sleep(0.05)
    target = urlsplit(json.loads(answer)["resource_links"][0]).path

    status, headers, answer = call(api.port, signer, "GET", target)
    if status != 200:
        raise BenchError(f"GET {target} answered {status}: {answer[:500]!r}")
    return Fixture(key["api_key"], key["api_secret"], target, answer, headers.get("content-type", ""))


# -- wrk -------------------------------------------------------------------------------


@dataclass
class Run:
    """One wrk measurement."""

    server: str  # "api", or a baseline: "starlette", "asgi"
    connections: int
    threads: int
    duration_s: float
    requests: int
    rps: float
    latency_ms: dict[str, float]
    errors: dict[str, int]
    non200: int
    statuses: str
    first_errors: list[str]
    exhausted_threads: int
    headers_signed: int
    server_cpu_percent: float
    wrk_cpu_percent: float
    server_runqueue_wait_percent: float  # the server was ready to run but had no CPU
    cpu_pressure_percent: float  # /proc/pressure/cpu "some": any task waiting for a CPU
    server_rss_mb: float  # the server's resident memory after the run
    problems: list[str] = field(default_factory=list)

    @property
    def per_cpu_second(self) -> float:
        """Requests per second of server CPU: what one core would serve, less sensitive to other load."""
        cpu = self.server_cpu_percent / 100
        return self.rps / cpu if cpu > 0 else math.nan

    @property
    def p99_ms(self) -> float:
        return self.latency_ms["p99"]

    @property
    def valid(self) -> bool:
        return not self.problems


_RESULT_LINE = re.compile(r"^BENCH_RESULT (\{.*\})$", re.MULTILINE)


def cpu_pressure_seconds() -> float:
    """Total time some task waited for a CPU, machine-wide (Linux PSI); NaN when unavailable."""
    try:
        some = Path("/proc/pressure/cpu").read_text().splitlines()[0]
        return int(some.rsplit("total=", 1)[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return math.nan


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(
    wrk: str,
    server: Server,
    label: str,
    path: str,
    *,
    connections: int,
    threads: int,
    duration: float,
    headers_file: Path,
    headers_signed: int,
    mode: str,
    profile: Path | None = None,
    expected: int = 200,
) -> Run:
    threads = max(1, min(threads, connections))
    argv = [
        wrk,
        *("-t", str(threads), "-c", str(connections), "-d", f"{duration:g}s"),
        *("--timeout", "5s", "--latency", "-s", str(LUA_SCRIPT)),
        f"http://{HOST}:{server.port}{path}",
        *("--", str(headers_file), str(threads), mode, str(expected)),
    ]
    cpu_before, wrk_before, wait_before, pressure_before, wall_before = (
        server.cpu_seconds(),
        children_cpu_seconds(),
        server.runqueue_wait_seconds(),
        cpu_pressure_seconds(),
        time.monotonic(),
    )
    spy = start_py_spy(server, profile, duration) if profile else None
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=duration + 60)
    wall = time.monotonic() - wall_before
    server_cpu = (server.cpu_seconds() - cpu_before) / wall * 100
    wrk_cpu = (children_cpu_seconds() - wrk_before) / wall * 100
    runqueue_wait = (server.runqueue_wait_seconds() - wait_before) / wall * 100
    pressure = (cpu_pressure_seconds() - pressure_before) / wall * 100
    if spy is not None and profile is not None:
        finish_py_spy(spy, profile)
    match = _RESULT_LINE.search(done.stdout)
    if done.returncode != 0 or match is None:
        raise BenchError(
            f"wrk failed ({done.returncode}):\n{done.stdout.strip()}\n{done.stderr.strip()}\n"
            f"{server.name} log:\n{server.log_tail()}"
        )
    raw: dict[str, Any] = json.loads(match[1])
    seconds = raw["duration_us"] / 1e6
    lat = raw["latency_us"]
    run = Run(
        server=label,
        connections=connections,
        threads=threads,
        duration_s=round(seconds, 3),
        requests=raw["requests"],
        rps=round(raw["requests"] / seconds, 1),
        latency_ms={k: round(lat[k] / 1000, 3) for k in ("min", "mean", "p50", "p90", "p99", "p999", "max")},
        errors=raw["errors"],
        non200=raw["non200"],
        statuses=raw["statuses"],
        first_errors=raw["first_errors"],
        exhausted_threads=raw["exhausted_threads"],
        headers_signed=headers_signed,
        server_cpu_percent=round(server_cpu, 1),
        wrk_cpu_percent=round(wrk_cpu, 1),
        server_runqueue_wait_percent=round(runqueue_wait, 1),
        cpu_pressure_percent=round(pressure, 1),
        server_rss_mb=server.rss_mb(),
    )
    if run.non200:
        run.problems.append(f"{run.non200} non-200 responses ({run.statuses})")
    elif run.errors["status"]:  # mode "static" does not parse responses; wrk counts >= 400
        run.problems.append(f"{run.errors['status']} responses with status >= 400")
    socket_errors = {k: v for k, v in run.errors.items() if v and k != "status"}
    if socket_errors:
        run.problems.append(f"socket errors {socket_errors}")
    if run.exhausted_threads:
        run.problems.append(f"{run.exhausted_threads} wrk thread(s) ran out of pre-signed headers")
    if run.requests == 0:
        run.problems.append("no requests completed")
    return run


def start_py_spy(server: Server, output: Path, duration: float) -> subprocess.Popen[bytes]:
    """Sample the server for the measurement (non-blocking, so it perturbs it little)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        str(venv_bin("py-spy")),
        *("record", "--pid", str(server.process.pid), "--duration", str(max(1, int(duration)))),
        *(
            "--rate",
            "200",
            "--nonblocking",
            "--function",
            "--format",
            "raw",
            "--output",
            str(output),
        ),
    ]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish_py_spy(spy: subprocess.Popen[bytes], output: Path, top: int = 25) -> None:
    """Wait for py-spy; print where the server spent its samples, by function."""
    _, stderr = spy.communicate(timeout=60)
    if spy.returncode != 0 or not output.exists():
        print(f"  py-spy failed: {stderr.decode(errors='replace').strip()}", file=sys.stderr)
        return
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in output.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [
            re.sub(r" \((?:.*/)?(?:site-packages/|src/)?([^()]*)\)$", r" (\1)", f) for f in stack.split(";")
        ]
        total += count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
        own[frames[-1]] = own.get(frames[-1], 0) + count
    print(f"\n  py-spy: {total} samples of the server, in {output}")
    for title, table in (("inclusive", inclusive), ("own", own)):
        print(f"  top {top} by {title} samples:")
        for frame, count in sorted(table.items(), key=lambda kv: -kv[1])[:top]:
            print(f"    {count / total:6.1%}  {frame}")


def measure_api(
    wrk: str,
    api: Server,
    signer: Signer,
    target: str,
    work: Path,
    args: argparse.Namespace,
    conns: int,
) -> Run:
    def run(duration: float, count: int, name: str, profile: Path | None = None) -> Run:
        headers_file = signer.write(work / name, target, count)
        return run_wrk(
            wrk,
            api,
            "api",
            target,
            connections=conns,
            threads=args.threads,
            duration=duration,
            headers_file=headers_file,
            headers_signed=count,
            mode="once",
            profile=profile,
        )

    # The warm-up also tells how many headers the measurement needs at this connection count.
    warm = run(args.warmup, max(1000, int(args.warmup * WARMUP_SIGN_RATE)), "warmup.headers")
    if warm.problems and not warm.exhausted_threads:
        print(f"  warm-up at {conns} connections: {'; '.join(warm.problems)}", file=sys.stderr)
    count = int(max(warm.rps, 100.0) * args.duration * HEADROOM) + 1000 * args.threads
    for attempt in range(3):
        profile = (
            args.output.parent / f"signed_get.{args.layout}.api-{conns}.pyspy.txt" if args.py_spy else None
        )
        measured = run(args.duration, count, "run.headers", profile)
        if not measured.exhausted_threads or attempt == 2:
            return measured
        count *= 2
        print(f"  ran out of pre-signed headers; again with {count}", file=sys.stderr)
    raise AssertionError("unreachable")


def measure_memory(
    wrk: str, api: Server, signer: Signer, target: str, work: Path, args: argparse.Namespace
) -> tuple[list[Run], Target]:
    """Send ``args.memory`` signed requests (64 connections), then read the server's RSS.

    In rounds: each signs what the measured rate should serve in ``args.duration`` s (wrk
    runs a little longer, its threads stop when their headers run out), until the total is
    reached. Every nonce is still within its window at the end, so the store holds them all.
    """

    def send(count: int, duration: float) -> Run:
        headers = signer.write(work / "memory.headers", target, count)
        return run_wrk(
            wrk,
            api,
            "api",
            target,
            connections=64,
            threads=args.threads,
            duration=duration,
            headers_file=headers,
            headers_signed=count,
            mode="once",
        )

    # The rate, measured once (a warm-up with headers to spare): wrk's own rps counts its
    # whole run, so a round that ran out early would understate it.
    first = send(30_000 * 3, 3)
    runs = [first]
    rate, done = max(500.0, first.rps), first.requests  # its nonces are in the store too
    while done < args.memory:
        # At least a thousand: a round of a few headers can end before any answer is read.
        count = max(1000, min(args.memory - done, int(rate * args.duration)))
        run = send(count, math.ceil(count / rate * 1.5) + 2)
        # Running out is how each round ends here.
        run.problems = [p for p in run.problems if "ran out of pre-signed headers" not in p]
        runs.append(run)
        if not run.valid or run.requests == 0:
            break
        done += run.requests
        print(f"  {done:,} of {args.memory:,} requests, RSS {api.rss_mb():,.0f} MiB", file=sys.stderr)
    rss = api.rss_mb()
    name = f"RSS(api) after {args.memory:,} signed requests <= {MEMORY_MAX_MB:g} MiB"
    valid = all(r.valid for r in runs) and done >= args.memory
    return runs, Target(name, rss, MEMORY_MAX_MB, "MiB", rss <= MEMORY_MAX_MB, valid)


def report_memory(args: argparse.Namespace, runs: list[Run], target: Target) -> None:
    verdict = "PASS" if target.passed else "FAIL"
    if not target.valid:
        verdict = f"INVALID (would {verdict})"
    total = sum(r.requests for r in runs)
    print(f"\n{args.layout} layout: {total:,} signed requests at 64 connections, in {len(runs)} runs")
    print(f"  {verdict}  {target.name}: {target.value:,.1f} MiB")
    output = args.output.with_name(f"signed_get.{args.layout}.memory.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    document = {"benchmark": "signed_get --memory", "layout": args.layout, "requests": total}
    document |= {"runs": [asdict(r) for r in runs], "targets": [asdict(target)]}
    output.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwrote {output}")


def measure_bare(
    wrk: str,
    bare: Server,
    headers_file: Path,
    target: str,
    args: argparse.Namespace,
    connections: int,
) -> Run:
    common: dict[str, Any] = {"connections": connections, "threads": args.threads, "mode": "static"}
    common |= {"headers_file": headers_file, "headers_signed": BARE_HEADERS}
    run_wrk(wrk, bare, bare.name, target, duration=args.warmup, **common)
    return run_wrk(wrk, bare, bare.name, target, duration=args.duration, **common)


# -- report ----------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    value: float | None
    threshold: float
    unit: str
    passed: bool | None  # None: not measured in this run
    valid: bool = True  # False: a run it depends on had errors, so it does not count


Ratios = dict[str, dict[int, float]]  # baseline -> connections -> rps(api)/rps(baseline)


def evaluate(runs: list[Run], layout: str) -> tuple[Ratios, list[Target]]:
    by = {(r.server, r.connections): r for r in runs}
    ratios: Ratios = {
        baseline: {
            c: round(by["api", c].rps / by[baseline, c].rps, 4)
            for (server, c) in by
            if server == "api" and (baseline, c) in by and by[baseline, c].rps > 0
        }
        for baseline in BASELINES
    }
    targets = []
    for what, connections, threshold in TARGETS[layout]:
        api = by.get(("api", connections))
        value: float | None
        if what == "ratio":
            name = f"rps(api)/rps({TARGET_BASELINE}) at {connections} connections >= {threshold:g}"
            value = ratios[TARGET_BASELINE].get(connections)
            depends = [r for r in (api, by.get((TARGET_BASELINE, connections))) if r is not None]
            passed = None if value is None else value >= threshold
        else:
            label = {"p99": "p99", "p999": "p99.9"}[what]
            name = f"{label}(api) at {connections} connections <= {threshold:g} ms"
            value = None if api is None else api.latency_ms[what]
            depends = [api] if api is not None else []
            passed = None if value is None else value <= threshold
        unit = "" if what == "ratio" else "ms"
        targets.append(Target(name, value, threshold, unit, passed, all(r.valid for r in depends)))
    return ratios, targets


def print_report(fixture: Fixture, runs: list[Run], ratios: Ratios, targets: list[Target], args: Any) -> None:
    print()
    print(
        f"{args.layout} layout: signed GET {fixture.target} "
        f"({len(fixture.body)} bytes, {fixture.content_type}); "
        f"wrk -t{args.threads}, {args.duration:g} s per run after {args.warmup:g} s warm-up; "
        f"{os.cpu_count()} CPUs"
    )
    header = f"{'conns':>5}  {'server':<9} {'rps':>10} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} "
    header += f"{'requests':>9} {'srv CPU':>8} {'srv wait':>8} {'wrk CPU':>8} {'req/CPU-s':>10}  status"
    print(header)
    print("-" * len(header))
    for connections in dict.fromkeys(r.connections for r in runs):
        for run in (r for r in runs if r.connections == connections):
            lat = run.latency_ms
            status = "ok" if run.valid else "INVALID: " + "; ".join(run.problems)
            print(
                f"{run.connections:>5}  {run.server:<9} {run.rps:>10,.0f} "
                f"{lat['p50']:>8.2f} {lat['p99']:>8.2f} {lat['p999']:>9.2f} {run.requests:>9,} "
                f"{run.server_cpu_percent:>7.0f}% {run.server_runqueue_wait_percent:>7.0f}% "
                f"{run.wrk_cpu_percent:>7.0f}% {run.per_cpu_second:>10,.0f}  {status}"
            )
        pair = {r.server: r for r in runs if r.connections == connections}
        for baseline, by_connections in ratios.items():
            if connections not in by_connections:
                continue
            per_cpu = pair["api"].per_cpu_second / pair[baseline].per_cpu_second
            role = "target" if baseline == TARGET_BASELINE else "informative"
            print(
                f"{'':>5}  ratio rps(api)/rps({baseline}) = {by_connections[connections]:.3f}"
                f"   (per server CPU-second: {per_cpu:.3f}; {role})"
            )
    memory = ", ".join(f"{r.server} {r.connections}c {r.server_rss_mb:,.0f}" for r in runs)
    print(f"{'':>5}  server RSS after each run (MiB): {memory}")
    waits = [r.server_runqueue_wait_percent for r in runs]
    pressure = max((r.cpu_pressure_percent for r in runs), default=0)
    if max(waits, default=0) > BUSY_WAIT_PERCENT:
        print(
            f"\nWARNING: a server waited for a CPU up to {max(waits):.0f}% of the time "
            f"(srv wait; machine CPU pressure up to {pressure:.0f}%): other processes (or wrk "
            "itself, on few CPUs) competed for the CPUs, so rps and latency understate the "
            "server; req/CPU-s is less sensitive to that."
        )
    print()
    for target in targets:
        if target.passed is None:
            print(f"  SKIP  {target.name}: not measured (connections {args.connections})")
        else:
            value = f"{target.value:.3f}{(' ' + target.unit) if target.unit else ''}"
            verdict = "PASS" if target.passed else "FAIL"
            if not target.valid:
                verdict = f"INVALID (would {verdict})"
            print(f"  {verdict}  {target.name}: {value}")
    stretch = ratios[TARGET_BASELINE].get(64)
    if stretch is not None:
        met = "met" if stretch >= STRETCH[args.layout] else "not met"
        print(f"  (stretch goal, informative: ratio at 64 connections >= {STRETCH[args.layout]:g}: {met})")
    for run in runs:
        for error in run.first_errors:
            print(f"  first non-200 from {run.server} at {run.connections} connections: {error}")


def write_results(
    path: Path,
    fixture: Fixture,
    runs: list[Run],
    ratios: Ratios,
    targets: list[Target],
    args: Any,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wrk_version = subprocess.run([args.wrk, "--version"], capture_output=True, text=True, check=False)
    document = {
        "benchmark": "signed_get",
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "wrk": (wrk_version.stdout or wrk_version.stderr).splitlines()[0].strip(),
        },
        "config": {
            "target": fixture.target,
            "response_bytes": len(fixture.body),
            "content_type": fixture.content_type,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "threads": args.threads,
            "connections": args.connections,
            "layout": args.layout,
            "server_env": SERVER_ENV,
        },
        "runs": [
            asdict(r) | {"valid": r.valid, "requests_per_server_cpu_second": round(r.per_cpu_second, 1)}
            for r in runs
        ],
        "ratios": {baseline: {str(c): v for c, v in by.items()} for baseline, by in ratios.items()},
        "target_baseline": TARGET_BASELINE,
        "targets": [asdict(t) for t in targets],
        "valid": all(r.valid for r in runs),
    }
    path.write_text(json.dumps(document, indent=2) + "\n")


# -- main ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement (10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up before each (2)")
    parser.add_argument(
        "--connections", type=int, nargs="+", default=[64, 8], help="connection counts (64 8)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="wrk threads (1: leaves the other CPUs to the server)",
    )
    parser.add_argument(
        "--py-spy",
        action="store_true",
        help="profile the API server with py-spy during its measurements (figures then lower)",
    )
    parser.add_argument(
        "--layout",
        choices=sorted(TARGETS),
        default="sqlite",
        help="sqlite (the default layout) or postgresql (PostgreSQL + Redis + procrastinate)",
    )
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="--layout postgresql: a database URL allowed to CREATE DATABASE (trust auth)",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="--layout postgresql: Redis")
    parser.add_argument(
        "--memory",
        type=int,
        nargs="?",
        const=MEMORY_REQUESTS,
        default=0,
        metavar="REQUESTS",
        help=f"instead: the API's RSS after REQUESTS ({MEMORY_REQUESTS:,}) signed requests, "
        f"target <= {MEMORY_MAX_MB:g} MiB",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an extra environment variable for the API server (experiments; repeatable)",
    )
    parser.add_argument("--wrk", default=shutil.which("wrk"), help="the wrk binary (from PATH)")
    parser.add_argument("--output", type=Path, help=f"JSON results ({RESULTS_DIR}/signed_get.LAYOUT.json)")
    args = parser.parse_args(argv)
    if args.output is None:
        args.output = RESULTS_DIR / f"signed_get.{args.layout}.json"
    if args.duration <= 0 or args.warmup <= 0 or args.threads < 1 or min(args.connections) < 1:
        parser.error("durations, threads and connections must be positive")
    return args


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def benchmark(args: argparse.Namespace, work: Path) -> tuple[list[Run], list[Target]]:
    data_dir = work / "data"
    data_dir.mkdir()
    runs: list[Run] = []

    port = free_port()
    api_argv = [str(venv_bin("reseller-api")), "serve", "--host", HOST, "--port", str(port)]
    with contextlib.ExitStack() as servers:
        env = servers.enter_context(layout(args, data_dir))
        print(
            f"starting reseller-api serve ({args.layout}) on {HOST}:{port} (data in {data_dir})",
            file=sys.stderr,
        )
        api = servers.enter_context(running("api", api_argv, env=env, cwd=data_dir))
        fixture = create_fixture(api, env, data_dir)
        signer = Signer(fixture.api_key, fixture.api_secret)
        if args.memory:
            runs, target = measure_memory(args.wrk, api, signer, fixture.target, work, args)
            report_memory(args, runs, target)
            return runs, [target]
        bare_headers = signer.write(work / "bare.headers", fixture.target, BARE_HEADERS)

        body_file = work / "body"
        body_file.write_bytes(fixture.body)
        baselines: list[Server] = []
        for name, script in BASELINES.items():
            port = free_port()
            bare_argv = [
                *(sys.executable, str(script), "--host", HOST, "--port", str(port)),
                *("--path", fixture.target, "--body-file", str(body_file)),
                *("--content-type", fixture.content_type),
            ]
            print(f"starting the {name} baseline on {HOST}:{port}", file=sys.stderr)
            bare = servers.enter_context(running(name, bare_argv, env=env, cwd=data_dir))
            status, headers, answer = call(bare.port, signer, "GET", fixture.target)
            expected = (200, fixture.content_type, fixture.body)
            if (status, headers.get("content-type"), answer) != expected:
                raise BenchError(
                    f"the {name} baseline does not answer like the API: {status} {headers} {answer!r}"
                )
            baselines.append(bare)

        # The API then each baseline at each connection count, so each ratio compares runs
        # taken seconds apart; only the server being measured is under load.
        for connections in args.connections:
            print(f"  api, {connections} connections ...", file=sys.stderr)
            runs.append(measure_api(args.wrk, api, signer, fixture.target, work, args, connections))
            for bare in baselines:
                print(f"  {bare.name}, {connections} connections ...", file=sys.stderr)
                runs.append(measure_bare(args.wrk, bare, bare_headers, fixture.target, args, connections))

    ratios, targets = evaluate(runs, args.layout)
    print_report(fixture, runs, ratios, targets, args)
    write_results(args.output, fixture, runs, ratios, targets, args)
    print(f"\nwrote {args.output}")
    return runs, targets


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.wrk or not Path(args.wrk).exists():
        print(WRK_MISSING, file=sys.stderr)
        return 2
    if importlib.util.find_spec("starlette") is None:
        print(STARLETTE_MISSING.format(python=sys.executable), file=sys.stderr)
        return 2
    if args.py_spy and shutil.which("py-spy", path=os.pathsep.join(map(str, BIN_DIRS))) is None:
        print(f"--py-spy: py-spy is not installed: {sys.executable} -m pip install py-spy", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    try:
        with tempfile.TemporaryDirectory(prefix="reseller-bench-") as tmp:
            runs, targets = benchmark(args, Path(tmp))
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped", file=sys.stderr)
        return 130
    if not all(r.valid for r in runs) or not all(t.valid for t in targets):
        print(
            "INVALID: some measurements had errors (see above); the figures do not count",
            file=sys.stderr,
        )
        return 3
    if args.check and any(t.passed is False for t in targets):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
