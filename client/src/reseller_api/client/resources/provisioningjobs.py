"""``/v2/provisioningjobs/{id}``: the raw job resource (see :mod:`reseller_api.client.jobs` for waiting)."""

from __future__ import annotations

from reseller_api.client.core import Call, segment
from reseller_api.client.resources import M, Resource, operation
from reseller_api.wire.provisioningjobs import ProvisioningJobCompletion, ProvisioningJobInfo


class ProvisioningJobs(Resource[M]):
    @operation
    def get(self, job_id: str) -> Call[ProvisioningJobInfo | ProvisioningJobCompletion]:
        """The job's state: ``ProvisioningJobInfo`` while it runs or after it failed,
        ``ProvisioningJobCompletion`` when it finished.
        Unlike ``client.job(id).status()`` this does not raise for a failed job.
        """
        by_status = {200: ProvisioningJobInfo, 201: ProvisioningJobCompletion}
        return Call("GET", f"/v2/provisioningjobs/{segment(job_id)}", by_status)
