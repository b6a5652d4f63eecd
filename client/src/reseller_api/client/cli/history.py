"""The jobs this machine started: the API lists no jobs, so ``resellerctl jobs list`` reads them here.

Every command that starts a provisioning job appends one JSON line (server URL, job id,
what was asked, when) to ``$XDG_STATE_HOME/resellerctl/jobs.jsonl`` (``~/.local/state/...``
by default); the file keeps the latest :data:`KEEP` lines. It holds no secret.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

KEEP = 500


@dataclass(frozen=True)
class StartedJob:
    url: str
    job_id: str
    what: str
    started_at: float


def history_path(env: Mapping[str, str] = os.environ) -> Path:
    base = Path(env["XDG_STATE_HOME"]) if env.get("XDG_STATE_HOME") else Path.home() / ".local" / "state"
    return base / "resellerctl" / "jobs.jsonl"


def remember(url: str, job_id: str, what: str, path: Path | None = None) -> None:
    """Note a started job; never fails the command that started it (the job runs either way)."""
    path = path or history_path()
    line = json.dumps(asdict(StartedJob(url, job_id, what, time.time())))
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        lines = path.read_text().splitlines()[-(KEEP - 1) :] if path.exists() else []
        path.write_text("\n".join([*lines, line]) + "\n")
    except OSError:
        pass


def started(url: str | None = None, path: Path | None = None) -> list[StartedJob]:
    """Newest first; only those started against ``url`` when given."""
    path = path or history_path()
    found = []
    try:
        lines = path.read_text().splitlines() if path.exists() else []
    except OSError:
        lines = []
    for line in lines:
        try:
            job = StartedJob(**json.loads(line))
        except (ValueError, TypeError):
            continue
        if url is None or job.url.rstrip("/") == url.rstrip("/"):
            found.append(job)
    return found[::-1]
