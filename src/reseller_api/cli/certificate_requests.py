"""``reseller-api admin certificates list|approve|reject``: an operator's decision on the SSL
certificate requests that need one (organisation and extended validation).

Approving is safe to repeat (an approved request stays approved; once its names are validated
it is issued by a job); rejecting ends the request (410 on the API, with the reason).
"""

from __future__ import annotations

import argparse
import json

from reseller_api.cli.output import emit_json, emit_table
from reseller_api.resources.sslcertificates import service
from reseller_api.settings import Settings
from reseller_api.store.database import Database


def add_parsers(objects: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    certificates = objects.add_parser(
        "certificates", help="SSL certificate requests waiting for an operator (OV/EV)"
    ).add_subparsers(dest="action", required=True)
    p = certificates.add_parser("list", help="requests waiting for a decision, with their organisation")
    p.add_argument("--json", action="store_true")
    p = certificates.add_parser("approve", help="the organisation checks out: issue once the names validate")
    p.add_argument("request_id", type=int)
    p = certificates.add_parser("reject", help="refuse the request (the API answers 410 from now on)")
    p.add_argument("request_id", type=int)
    p.add_argument("--reason", default="", help="shown to the reseller in the 410's error_text")


def _audit(database: Database, action: str, detail: str, reseller_id: int | None) -> None:
    # Imported here: the panel's package loads Litestar, which `reseller-api worker` never does.
    from reseller_api.controlpanel import audit

    audit.record(
        database,
        reseller_id=reseller_id,
        actor_kind=audit.OPERATOR,
        actor=audit.operator_name(),
        action=action,
        detail=detail,
    )


def run(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    if args.action == "list":
        rows = service.pending_for_operators(database)
        if args.json:
            emit_json(
                [
                    {"id": i, "common_name": cn, "validation_level": level, "attributes": json.loads(attrs)}
                    for i, cn, level, attrs in rows
                ]
            )
        else:
            emit_table(
                "SSL certificate requests waiting for a decision",
                ["id", "common name", "validation level", "organisation"],
                [
                    (i, cn, level, ", ".join(f"{k}={v}" for k, v in json.loads(attrs).items()))
                    for i, cn, level, attrs in rows
                ],
            )
        return 0
    if args.action == "approve":
        if settings.job_runner == "procrastinate":
            # The issuing job is handed to the workers as the API's jobs are (else it would
            # wait in the table for a runner that never looks there).
            from reseller_api.jobs import distributed
            from reseller_api.jobs import service as job_service

            job_service.defer_with(database.engine, distributed.deferrer(settings))
        decision = service.approve(database, settings, args.request_id)
        _audit(database, "approve certificate request", str(args.request_id), decision.reseller_id)
        if decision.status == "issued":
            print(f"request {args.request_id} was approved and is issued")
        elif decision.job_id is not None:
            print(f"approved request {args.request_id}: names validated, issuing (job {decision.job_id})")
        else:
            print(f"approved request {args.request_id}: issued once its names are validated (PUT on it)")
        return 0
    decision = service.reject(database, args.request_id, args.reason)
    _audit(
        database,
        "reject certificate request",
        f"{args.request_id} {args.reason}".strip(),
        decision.reseller_id,
    )
    print(f"rejected request {args.request_id}")
    return 0
