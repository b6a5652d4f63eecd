"""``reseller-api sandbox ...``: fixtures, the test clock, job modes and fault rules.

Each command changes the sandbox's shared state in the database; a running server sees it
within 0.1 s (reseller_api/sandbox/state.py). Refused unless ``RESELLER_API_SANDBOX=true``
(which is itself refused with a real backend): these commands wipe data and move time.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from reseller_api.cli.output import emit_json, emit_table
from reseller_api.crypto import SecretBox
from reseller_api.sandbox import SandboxError, faults
from reseller_api.sandbox import clock as sandbox_clock
from reseller_api.sandbox import jobs as job_modes
from reseller_api.sandbox.state import JOB_MODES, read
from reseller_api.settings import Settings
from reseller_api.store.database import Database

EXAMPLES = """examples:
  reseller-api sandbox load tests/data/sandbox.yaml
  reseller-api sandbox reset
  reseller-api sandbox clock advance 366d
  reseller-api sandbox jobs mode manual
  reseller-api sandbox jobs release --all
  reseller-api sandbox faults add --status 429 --retry-after 2 --method POST --path '/v2/accounts*'
  reseller-api sandbox faults add --job-kind account.create --reason 'registry unavailable'
"""


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sandbox = sub.add_parser(
        "sandbox",
        help="the sandbox for integrators: fixtures, test clock, job modes, faults",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = sandbox.add_subparsers(dest="sandbox_command", required=True)
    p = actions.add_parser("load", help="create what a fixture file describes, through the API's services")
    p.add_argument("file", type=Path)
    actions.add_parser("reset", help="back to the state just after the last load; fault rules cleared")
    p = actions.add_parser("dump", help="write the current state as a fixture file (stdout without FILE)")
    p.add_argument("file", type=Path, nargs="?")
    p.add_argument("--secrets", action="store_true", help="include the API secrets (the file is made 0600)")

    clock = actions.add_parser("clock", help="the test clock").add_subparsers(
        dest="clock_action", required=True
    )
    clock.add_parser("freeze", help="stop the sandbox's clock where it stands")
    p = clock.add_parser("advance", help="move the sandbox's time forward: 366d, 12h, 90m, 30s, 1d12h")
    p.add_argument("duration")
    clock.add_parser("resume", help="let a frozen clock run again")
    p = clock.add_parser("show", help="the sandbox's time")
    p.add_argument("--json", action="store_true")

    jobs = actions.add_parser("jobs", help="how jobs run").add_subparsers(dest="jobs_action", required=True)
    p = jobs.add_parser("mode", help="estimate (after the estimate), instant, manual (held until released)")
    p.add_argument("mode", choices=JOB_MODES)
    p = jobs.add_parser("release", help="let held jobs run (manual mode)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("job_id", nargs="?")
    which.add_argument("--all", action="store_true")

    rules = actions.add_parser("faults", help="fault rules").add_subparsers(
        dest="faults_action", required=True
    )
    p = rules.add_parser(
        "add", help="a request fault (--status and/or --latency) or a job fault (--job-kind)"
    )
    p.add_argument("--status", type=int, choices=faults.STATUSES, help="answer with the API's error body")
    p.add_argument("--retry-after", type=int, help="seconds, with 429 or 503 (default 1 and 5)")
    p.add_argument("--latency", type=float, default=0.0, help="seconds to wait before answering")
    p.add_argument("--method", help="only this method (default: any)")
    p.add_argument("--path", help="only paths matching this glob, such as '/v2/accounts*' (default: any)")
    p.add_argument("--key", dest="api_key", help="only requests signed with this API key (default: any)")
    p.add_argument("--job-kind", help="a job fault: the next job of this kind fails (any: the next job)")
    p.add_argument("--reason", help="a job fault: the failed job's reason")
    times = p.add_mutually_exclusive_group()
    times.add_argument("--times", type=int, default=1, help="how many times it applies (default once)")
    times.add_argument("--always", action="store_true", help="every time, until cleared")
    p.add_argument("--probability", type=float, default=1.0, help="of applying to each match (default 1)")
    p = rules.add_parser("list", help="every rule, with its uses left and hits")
    p.add_argument("--json", action="store_true")
    p = rules.add_parser("clear", help="remove one rule, or all")
    p.add_argument("fault_id", type=int, nargs="?")


def run(args: argparse.Namespace, settings: Settings, database: Database, box: SecretBox) -> int:
    from reseller_api.sandbox.runtime import Sandbox

    if not settings.sandbox:
        raise SandboxError(
            "the sandbox is off: start the server and these commands with RESELLER_API_SANDBOX=true"
        )
    sandbox = Sandbox(database)
    sandbox.start()  # the test clock: what a load creates is dated by it
    try:
        return _run(args, settings, database, box)
    finally:
        sandbox.stop()


def _run(args: argparse.Namespace, settings: Settings, database: Database, box: SecretBox) -> int:
    command = args.sandbox_command
    if command in ("load", "reset", "dump"):
        return _fixtures(args, settings, database, box)
    if command == "clock":
        return _clock(args, database)
    if command == "jobs":
        if args.jobs_action == "mode":
            job_modes.set_mode(database, args.mode)
            print(f"jobs now run: {args.mode}")
            return 0
        released = job_modes.release(database, None if args.all else args.job_id)
        if not args.all and not released:
            raise SandboxError(f"job {args.job_id} is not held (unknown, ended, or not in manual mode)")
        print(f"released {released} job(s)")
        return 0
    return _faults(args, database)


def _fixtures(args: argparse.Namespace, settings: Settings, database: Database, box: SecretBox) -> int:
    from reseller_api.sandbox.fixtures import Fixtures

    fixtures = Fixtures(settings, database, box)
    if args.sandbox_command == "load":
        try:
            source = args.file.read_text(encoding="utf-8")
        except OSError as exc:
            raise SandboxError(f"cannot read {args.file}: {exc.strerror}") from None
        made = fixtures.load_text(source)["loaded"]
        print("loaded " + ", ".join(f"{n} {kind}" for kind, n in made.items() if n))
        return 0
    if args.sandbox_command == "reset":
        fixtures.reset()
        print("reset to the fixture's state")
        return 0
    text = fixtures.dump_text(with_secrets=args.secrets)
    if args.file is None:
        sys.stdout.write(text)
        return 0
    # 0600 from the start when secrets are in it, like the bootstrap credentials file.
    fd = os.open(args.file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if args.secrets else 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    print(f"wrote {args.file}")
    return 0


def _clock(args: argparse.Namespace, database: Database) -> int:
    from reseller_api.sandbox.runtime import renew_due_domains

    action = args.clock_action
    if action == "freeze":
        state = sandbox_clock.freeze(database)
    elif action == "resume":
        state = sandbox_clock.resume(database)
    elif action == "advance":
        import time

        state = sandbox_clock.advance(database, sandbox_clock.parse_duration(args.duration))
        renew_due_domains(database, state.now(time.time()))
    else:
        state = read(database)
    shown = sandbox_clock.describe(state)
    if action == "show" and args.json:
        emit_json(shown)
    else:
        print(f"sandbox time {shown['now']}" + (" (frozen)" if shown["frozen"] else ""))
    return 0


def _faults(args: argparse.Namespace, database: Database) -> int:
    action = args.faults_action
    if action == "list":
        rules = [f.as_json() for f in faults.listing(database)]
        if args.json:
            emit_json(rules)
        else:
            emit_table(
                "Fault rules",
                ["id", "target", "matches", "does", "left", "probability", "hits"],
                [_row(rule) for rule in rules],
            )
        return 0
    if action == "clear":
        removed = faults.clear(database, args.fault_id)
        if args.fault_id is not None and not removed:
            raise SandboxError(f"no fault rule {args.fault_id}")
        print(f"removed {removed} rule(s)")
        return 0
    times = None if args.always else args.times
    if args.job_kind is not None or args.reason is not None:
        if args.status is not None or args.latency or args.method or args.path or args.api_key:
            raise SandboxError("a job fault takes --job-kind and --reason, not request options")
        fault_id = faults.add_job_fault(
            database,
            job_kind=None if args.job_kind in (None, "any") else args.job_kind,
            reason=args.reason or "",
            times=times,
            probability=args.probability,
        )
    else:
        fault_id = faults.add_request_fault(
            database,
            method=args.method,
            path=args.path,
            api_key=args.api_key,
            status=args.status,
            retry_after=args.retry_after,
            latency=args.latency,
            times=times,
            probability=args.probability,
        )
    print(f"added fault rule {fault_id}")
    return 0


def _row(rule: dict[str, object]) -> tuple[object, ...]:
    if rule["target"] == faults.JOB:
        matches = f"job {rule['job_kind'] or 'any'}"
        does = f"fails: {rule['reason']}"
    else:
        matches = " ".join(
            str(part)
            for part in (rule["method"] or "any", rule["path"] or "*", rule["api_key"] or "")
            if part
        )
        does = " + ".join(
            part
            for part in (
                f"{rule['status']}"
                + (f" Retry-After {rule['retry_after']}" if rule["retry_after"] is not None else "")
                if rule["status"]
                else "",
                f"{rule['latency']}s late" if rule["latency"] else "",
            )
            if part
        )
    left = "always" if rule["remaining"] is None else rule["remaining"]
    return (rule["id"], rule["target"], matches, does, left, rule["probability"], rule["hits"])


__all__ = ["add_parsers", "run"]
