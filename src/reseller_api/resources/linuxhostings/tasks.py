"""Scheduled tasks (cron jobs) of a Linux hosting.

Expressions are parsed by ``croniter`` (strict: impossible dates such as ``0 0 31 2 *`` are
refused) and must then have the form the API documents for each of the five fields:

- minute: 0-59, or ``*/5``, ``*/10``, ``*/15``, ``*/30``
- hour: 0-23 or ``*``; day of month: 1-31 or ``*``; month: 1-12 or ``*``
- day of week: 1-7 (Monday to Sunday) or ``*``
"""

from __future__ import annotations

import posixpath
import uuid

from croniter import croniter
from msgspec import UNSET
from sqlalchemy import bindparam, delete, func, insert, select, update

from reseller_api import clock
from reseller_api.context import AppContext
from reseller_api.errors import NOT_FOUND, ApiProblem, FieldProblem, ValidationFailed, define
from reseller_api.resources.linuxhostings.hosting import Hosting, find_hosting
from reseller_api.resources.linuxhostings.tables import linux_scheduled_tasks as tasks
from reseller_api.store.database import Database, Query
from reseller_api.store.undo import RowsSnapshot, then_or_undo
from reseller_api.wire.linuxhostings import ScheduledTask, ScheduledTaskRequest

MAX_TASKS_PER_HOSTING = 50
MINUTE_STEPS = ("*/5", "*/10", "*/15", "*/30")
# (name, lowest, highest, "*" allowed) per field, as the API documents them.
FIELDS = (("minute", 0, 59, False), ("hour", 0, 23, True), ("day of month", 1, 31, True),
          ("month", 1, 12, True), ("day of week", 1, 7, True))  # fmt: skip

CRON_REQUIRED = define("cron_expression_required", 400, "cron_expression is required.")
CRON_INVALID = define(
    "cron_expression_invalid",
    400,
    "cron_expression must have five fields: minute (0-59, */5, */10, */15, */30), hour (0-23 or *), "
    "day of month (1-31 or *), month (1-12 or *), day of week (1-7, Monday to Sunday, or *).",
)
SCRIPT_REQUIRED = define("script_location_required", 400, "script_location is required.")
SCRIPT_INVALID = define(
    "script_location_invalid",
    400,
    "script_location must be an absolute path on the hosting (no '..', no spaces), at most 255 characters.",
)
TOO_MANY_TASKS = define(
    "scheduled_task_limit_reached",
    400,
    f"A Linux hosting has at most {MAX_TASKS_PER_HOSTING} scheduled tasks.",
)

_COLUMNS = (tasks.c.id, tasks.c.cron_expression, tasks.c.script_location, tasks.c.enabled)
_LIST = Query(
    select(*_COLUMNS)
    .where(tasks.c.hosting_id == bindparam("hosting_id"))
    .order_by(tasks.c.created_at, tasks.c.id)
)


def cron_problem(expression: str) -> str | None:
    """None when the expression is valid, else what is wrong with it."""
    fields = expression.split()
    if len(fields) != 5:
        return f"{expression!r} has {len(fields)} fields; five are required."
    if not croniter.is_valid(expression, strict=True):
        return f"{expression!r} is not a valid cron expression."
    for value, (name, low, high, star) in zip(fields, FIELDS, strict=True):
        if (value == "*" and star) or (name == "minute" and value in MINUTE_STEPS):
            continue
        if not (value.isdigit() and low <= int(value) <= high):
            return f"{name} {value!r} is not allowed."
    return None


def _script(path: str) -> str | None:
    if (
        not path.startswith("/")
        or len(path) > 255
        or ".." in path.split("/")
        or any(c.isspace() for c in path)
    ):
        return None
    return posixpath.normpath(path)


def _task(row: tuple[object, ...]) -> ScheduledTask:
    return ScheduledTask(
        id=str(row[0]), cron_expression=str(row[1]), script_location=str(row[2]), enabled=bool(row[3])
    )


def tasks_of(database: Database, hosting: Hosting) -> list[ScheduledTask]:
    return [_task(r) for r in database.fetch_all(_LIST, hosting_id=hosting.id)]


def crontab(database: Database, hosting: Hosting) -> list[dict[str, object]]:
    """The hosting's crontab entries, as the platform is told them."""
    return [
        {
            "id": t.id,
            "cron_expression": t.cron_expression,
            "script_location": t.script_location,
            "enabled": t.enabled,
        }
        for t in tasks_of(database, hosting)
    ]


def _snapshot(context: AppContext, hosting: Hosting) -> RowsSnapshot:
    return RowsSnapshot(context.database, (tasks, tasks.c.hosting_id == hosting.id))


def _sync(context: AppContext, hosting: Hosting, before: RowsSnapshot) -> None:
    """The hosting's crontab, rewritten from the committed tasks; if the platform refuses, the
    tasks go back to ``before``."""
    before.mark_committed()
    then_or_undo(
        lambda: context.backends.hosting.set_crontab(hosting.domain_name, crontab(context.database, hosting)),
        before.restore,
    )


def _validated(order: ScheduledTaskRequest, current: ScheduledTask | None) -> tuple[str, str, bool]:
    """The task's fields after the order: absent fields keep their value (or are required on create)."""
    problems: list[FieldProblem] = []
    cron = (
        order.cron_expression if order.cron_expression is not UNSET else (current and current.cron_expression)
    )
    script = (
        order.script_location if order.script_location is not UNSET else (current and current.script_location)
    )
    enabled = order.enabled if order.enabled is not UNSET else (current.enabled if current else True)
    if not cron or not cron.strip():
        problems.append(FieldProblem(CRON_REQUIRED.code, CRON_REQUIRED.text))
    elif (problem := cron_problem(cron)) is not None:
        problems.append(FieldProblem(CRON_INVALID.code, f"{problem} {CRON_INVALID.text}"))
    clean_script = _script(script) if script else None
    if not script or not script.strip():
        problems.append(FieldProblem(SCRIPT_REQUIRED.code, SCRIPT_REQUIRED.text))
    elif clean_script is None:
        problems.append(
            FieldProblem(SCRIPT_INVALID.code, f"script_location {script!r}: {SCRIPT_INVALID.text}")
        )
    if problems or not cron or clean_script is None:
        raise ValidationFailed(problems)
    return " ".join(cron.split()), clean_script, enabled


def list_tasks(context: AppContext, reseller_id: int, domain_name: str) -> list[ScheduledTask]:
    return tasks_of(context.database, find_hosting(context.database, reseller_id, domain_name))


def get_task(context: AppContext, reseller_id: int, domain_name: str, task_id: str) -> ScheduledTask:
    hosting = find_hosting(context.database, reseller_id, domain_name)
    return _find(context.database, hosting, task_id)


def _find(database: Database, hosting: Hosting, task_id: str) -> ScheduledTask:
    found = next((t for t in tasks_of(database, hosting) if t.id == task_id.strip().lower()), None)
    if found is None:
        raise ApiProblem(NOT_FOUND, f"Scheduled task {task_id!r} does not exist on {hosting.domain_name}.")
    return found


def create_task(context: AppContext, reseller_id: int, domain_name: str, order: ScheduledTaskRequest) -> str:
    """Returns the new task's id (the ``id`` in the order, if any, is ignored as the API says)."""
    hosting = find_hosting(context.database, reseller_id, domain_name)
    cron, script, enabled = _validated(order, None)
    task_id = str(uuid.uuid4())
    before = _snapshot(context, hosting)
    with context.database.transaction() as conn:
        count = conn.execute(select(func.count()).where(tasks.c.hosting_id == hosting.id)).scalar_one()
        if count >= MAX_TASKS_PER_HOSTING:
            raise ApiProblem(TOO_MANY_TASKS)
        conn.execute(
            insert(tasks).values(
                id=task_id,
                hosting_id=hosting.id,
                cron_expression=cron,
                script_location=script,
                enabled=enabled,
                created_at=clock.time(),
            )
        )
    _sync(context, hosting, before)
    return task_id


def update_task(
    context: AppContext, reseller_id: int, domain_name: str, task_id: str, order: ScheduledTaskRequest
) -> None:
    hosting = find_hosting(context.database, reseller_id, domain_name)
    current = _find(context.database, hosting, task_id)
    cron, script, enabled = _validated(order, current)
    before = _snapshot(context, hosting)
    with context.database.transaction() as conn:
        conn.execute(
            update(tasks)
            .where(tasks.c.id == current.id)
            .values(cron_expression=cron, script_location=script, enabled=enabled)
        )
    _sync(context, hosting, before)


def delete_task(context: AppContext, reseller_id: int, domain_name: str, task_id: str) -> None:
    hosting = find_hosting(context.database, reseller_id, domain_name)
    current = _find(context.database, hosting, task_id)
    before = _snapshot(context, hosting)
    with context.database.transaction() as conn:
        conn.execute(delete(tasks).where(tasks.c.id == current.id))
    _sync(context, hosting, before)
