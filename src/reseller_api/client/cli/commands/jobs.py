"""``resellerctl jobs show|wait``."""

from __future__ import annotations

from reseller_api.client.cli.commands import Subparsers, command, group
from reseller_api.client.cli.context import Context
from reseller_api.client.jobs import DEFAULT_WAIT_TIMEOUT


def register(sub: Subparsers) -> None:
    jobs = group(sub, "jobs", "provisioning jobs")
    show = command(jobs, "show", show_job, "show a job's status (or its links when finished)")
    show.add_argument("job_id", help="the job's id or the Location a creation answered")
    wait = command(jobs, "wait", wait_job, "wait for a job with a spinner; print what it created")
    wait.add_argument("job_id", help="the job's id or the Location a creation answered")
    wait.add_argument("--timeout", type=float, default=DEFAULT_WAIT_TIMEOUT)


def show_job(ctx: Context) -> None:
    ctx.out.one(ctx.client.provisioningjobs.get(ctx.client.job(ctx.args.job_id).id), "provisioning job")


def wait_job(ctx: Context) -> None:
    job = ctx.client.job(ctx.args.job_id)
    with ctx.out.progress(job.id) as progress:
        result = job.wait(timeout=ctx.args.timeout, on_progress=progress)
    ctx.out.one(result, "provisioning job")
