"""``resellerctl jobs list|show|wait``.

The API looks jobs up by id only; ``jobs list`` shows the jobs this machine started (see
``history``), each with its status asked of the server now.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reseller_api.client.cli import history
from reseller_api.client.cli.commands import Subparsers, command, group
from reseller_api.client.cli.context import Context
from reseller_api.client.errors import ApiError, ProvisioningFailed
from reseller_api.client.jobs import DEFAULT_WAIT_TIMEOUT
from reseller_api.wire.provisioningjobs import ProvisioningJobCompletion

ORDER = 110  # its place in `resellerctl --help`: the command modules are listed by it


def register(sub: Subparsers) -> None:
    jobs = group(
        sub,
        "jobs",
        "provisioning jobs",
        [
            "resellerctl jobs list",
            "resellerctl jobs wait /v2/provisioningjobs/0b8c5e2e-5a9f-4f4e-9d1e-3c1f2b7a9e10",
        ],
    )
    listing = command(
        jobs,
        "list",
        list_jobs,
        "the jobs started from this machine against this server, newest first, with their status now",
        ["resellerctl jobs list", "resellerctl jobs list --limit 5 --json"],
    )
    listing.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    show = command(
        jobs,
        "show",
        show_job,
        "show a job's status (or its links when finished; the reason when it failed)",
        ["resellerctl jobs show 0b8c5e2e-5a9f-4f4e-9d1e-3c1f2b7a9e10"],
    )
    show.add_argument("job_id", help="the job's id or the Location a creation answered")
    wait = command(
        jobs,
        "wait",
        wait_job,
        "wait for a job with a spinner; print what it created (or why it failed)",
        ["resellerctl jobs wait /v2/provisioningjobs/0b8c5e2e-5a9f-4f4e-9d1e-3c1f2b7a9e10 --timeout 600"],
    )
    wait.add_argument("job_id", help="the job's id or the Location a creation answered")
    wait.add_argument("--timeout", type=float, default=DEFAULT_WAIT_TIMEOUT)


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _state(ctx: Context, job_id: str) -> dict[str, Any]:
    """The job's status now and what it made (or why it failed), asked of the server."""
    try:
        state = ctx.client.job(job_id).status()
    except ProvisioningFailed as failed:
        return {"status": failed.job_status, "result": failed.reason}
    except ApiError as exc:
        return {"status": "unknown", "result": f"{exc.error_code}: {exc.error_text}"}
    if isinstance(state, ProvisioningJobCompletion):
        return {"status": "finished", "result": ", ".join(state.resource_links)}
    return {"status": state.status, "result": f"estimated done at {state.completion.estimate}"}


def list_jobs(ctx: Context) -> None:
    started = history.started(ctx.client.base_url)[: max(0, ctx.args.limit)]
    rows = (
        {"job_id": j.job_id, "started": _when(j.started_at), "what": j.what, **_state(ctx, j.job_id)}
        for j in started
    )
    ctx.out.many(rows, "jobs started from this machine", noun="jobs started from this machine")


def show_job(ctx: Context) -> None:
    job_id = ctx.client.job(ctx.args.job_id).id
    info = ctx.client.provisioningjobs.get(job_id)
    shown = ctx.out.one
    if getattr(info, "status", "") == "failed":
        state = _state(ctx, job_id)
        shown({**_plain(info), "reason": state["result"]}, "provisioning job")
        return
    shown(info, "provisioning job")


def _plain(info: Any) -> dict[str, Any]:
    from reseller_api.client.cli.output import plain

    value = plain(info)
    return value if isinstance(value, dict) else {"value": value}


def wait_job(ctx: Context) -> None:
    job = ctx.client.job(ctx.args.job_id)
    with ctx.out.progress(job.id) as progress:
        result = job.wait(timeout=ctx.args.timeout, on_progress=progress)
    ctx.out.one(result, "provisioning job")
