"""``/v2/provisioningjobs/{jobId}``: 200 while ongoing (or failed/cancelled), 201 when finished."""

from __future__ import annotations

from typing import Annotated, cast

from litestar import Controller, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from reseller_api.conventions.dependencies import Caller, Context
from reseller_api.errors import NOT_FOUND, ApiProblem
from reseller_api.jobs import service as jobs
from reseller_api.wire.provisioningjobs import (
    CompletionEstimation,
    JobStatus,
    ProvisioningJobCompletion,
    ProvisioningJobInfo,
)

# Why a job failed, for people and tools (the body is the vendor's schema, which has no room for it).
ERROR_HEADER = "X-Provisioning-Error"


def reason_header(error: str) -> str:
    """One line of printable ASCII (HTTP header values are Latin-1 at best), at most 500 characters."""
    text = " ".join(error.split()).encode("ascii", "replace").decode("ascii")
    return text[:500]


class ProvisioningJobController(Controller):
    path = "/v2/provisioningjobs"
    tags = ["Provisioning jobs"]

    @get(
        "/{job_id:str}",
        operation_id="GetProvisioningJob",
        summary="Detail of a provisioning job",
        description="Provisioning failures may occur. Do NOT retry provisioning until the job "
        "reports finished or cancelled. 200 while the job runs (or when it failed or was "
        "cancelled), 201 with links to the created resources when it finished. A failed job's "
        f"answer carries the reason in the `{ERROR_HEADER}` header.",
        sync_to_thread=False,
        responses={
            201: ResponseSpec(
                data_container=ProvisioningJobCompletion,
                description="Finished: links to the created resources.",
            )
        },
    )
    def get_job(
        self,
        context: Context,
        credential: Caller,
        job_id: Annotated[str, Parameter(description="The id of the job (a UUID).")],
    ) -> Response[ProvisioningJobInfo | ProvisioningJobCompletion]:
        job = jobs.get(context.database, credential.reseller_id, job_id)
        if job is None:
            raise ApiProblem(NOT_FOUND, "The provisioning job does not exist.")
        if job.status == jobs.FINISHED:
            headers = {"Location": job.resource_links[0]} if job.resource_links else {}
            return Response(
                ProvisioningJobCompletion(id=job.id, resource_links=job.resource_links),
                status_code=201,
                headers=headers,
            )
        info = ProvisioningJobInfo(
            id=job.id,
            status=cast("JobStatus", job.status),
            completion=CompletionEstimation(estimate=jobs.iso(job.estimate)),
        )
        headers = {ERROR_HEADER: reason_header(job.error)} if job.status == jobs.FAILED and job.error else {}
        return Response(info, status_code=200, headers=headers)
