"""``/v2/linuxhostings/{domainName}/scheduledtasks``: cron jobs of a hosting."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, MediaType, Response, delete, get, post, put
from litestar.params import JSONBody, Parameter

from reseller_api.conventions.dependencies import Caller, Context
from reseller_api.conventions.replies import created
from reseller_api.resources.linuxhostings import tasks
from reseller_api.resources.linuxhostings.routes import TAGS, DomainName, hosting_location
from reseller_api.wire.linuxhostings import ScheduledTask, ScheduledTaskRequest

TaskId = Annotated[str, Parameter(description="Id of the scheduled task.")]
CRON_TEXT = (
    "cron_expression: five fields, minute (0-59, */5, */10, */15 or */30), hour (0-23 or *), day of "
    "month (1-31 or *), month (1-12 or *), day of week (1-7, Monday to Sunday, or *). script_location: "
    "absolute path on the hosting. enabled: default true."
)


class ScheduledTaskController(Controller):
    path = "/v2/linuxhostings/{domain_name:str}/scheduledtasks"
    tags = TAGS

    @get(
        "/",
        operation_id="GetScheduledTasks",
        summary="Overview of scheduled tasks",
        description="Manage scheduled tasks which are also manageable via the control panel.",
        sync_to_thread=False,
    )
    def list_tasks(
        self, context: Context, credential: Caller, domain_name: DomainName
    ) -> list[ScheduledTask]:
        return tasks.list_tasks(context, credential.reseller_id, domain_name)

    @post(
        "/",
        operation_id="AddScheduledTasks",
        summary="Add a scheduled task",
        description=CRON_TEXT + " The id is ignored.",
        status_code=201,
        media_type=MediaType.TEXT,
        sync_to_thread=True,
    )
    def create_task(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        data: JSONBody[ScheduledTaskRequest],
    ) -> Response[bytes]:
        task_id = tasks.create_task(context, credential.reseller_id, domain_name, data)
        return created(hosting_location(domain_name, "scheduledtasks", task_id), MediaType.TEXT)

    @get(
        "/{scheduled_task_id:str}",
        operation_id="GetScheduledTask",
        summary="Get scheduled task detail",
        description="One scheduled task of the hosting.",
        sync_to_thread=False,
    )
    def get_task(
        self, context: Context, credential: Caller, domain_name: DomainName, scheduled_task_id: TaskId
    ) -> ScheduledTask:
        return tasks.get_task(context, credential.reseller_id, domain_name, scheduled_task_id)

    @put(
        "/{scheduled_task_id:str}",
        operation_id="ConfigureScheduledTask",
        summary="Configure a scheduled task",
        description=CRON_TEXT + " Absent fields keep their value.",
        status_code=204,
        sync_to_thread=True,
    )
    def update_task(
        self,
        context: Context,
        credential: Caller,
        domain_name: DomainName,
        scheduled_task_id: TaskId,
        data: JSONBody[ScheduledTaskRequest],
    ) -> None:
        tasks.update_task(context, credential.reseller_id, domain_name, scheduled_task_id, data)

    @delete(
        "/{scheduled_task_id:str}",
        operation_id="DeleteScheduledTask",
        summary="Delete a scheduled task",
        description="Delete a scheduled task.",
        status_code=204,
        sync_to_thread=True,
    )
    def delete_task(
        self, context: Context, credential: Caller, domain_name: DomainName, scheduled_task_id: TaskId
    ) -> None:
        tasks.delete_task(context, credential.reseller_id, domain_name, scheduled_task_id)
