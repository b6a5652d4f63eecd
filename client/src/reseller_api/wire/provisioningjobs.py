"""Wire shapes, field for field as the reference YAML's schemas."""

from __future__ import annotations

from typing import Literal

import msgspec

JobStatus = Literal["ongoing", "cancelled", "failed", "finished"]


class CompletionEstimation(msgspec.Struct):
    estimate: str  # ISO-8601 UTC: the estimated time when the job should be finished


class ProvisioningJobInfo(msgspec.Struct):
    id: str
    status: JobStatus
    completion: CompletionEstimation


class ProvisioningJobCompletion(msgspec.Struct):
    id: str
    resource_links: list[str]
