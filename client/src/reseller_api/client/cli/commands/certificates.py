"""``resellerctl certificates ...``: order SSL certificates for CSRs, have them validated, download them."""

from __future__ import annotations

import sys
from pathlib import Path

from reseller_api.client.cli.commands import (
    Subparsers,
    command,
    group,
    limited,
    listing_options,
    wait_options,
)
from reseller_api.client.cli.context import Context

C = "resellerctl certificates"


ORDER = 100  # its place in `resellerctl --help`: the command modules are listed by it


def register(sub: Subparsers) -> None:
    certificates = group(
        sub,
        "certificates",
        "SSL certificates: requests for CSRs, their validations, the issued certificates",
        [f"{C} request site.csr", f"{C} verify 12 --wait", f"{C} download 0A1B... > site.pem"],
    )
    request = command(
        certificates,
        "request",
        request_certificate,
        "order a certificate for a CSR (a PEM file, or - for standard input)",
        [
            f"{C} request site.csr",
            f"{C} request wildcard.csr --type wildcard",
            f"{C} request org.csr --level organization_validated --attribute Firstname=Ann --attribute ...",
        ],
    )
    request.add_argument("csr_file")
    request.add_argument("--type", default="standard", choices=["standard", "multi_domain", "wildcard"])
    request.add_argument(
        "--level",
        default="domain_validated",
        choices=["domain_validated", "organization_validated", "extended_validated"],
    )
    request.add_argument(
        "--attribute",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an additional validation attribute (organization and extended validation)",
    )
    listing = command(
        certificates,
        "list",
        list_certificates,
        "list your certificates (or, with --requests, your requests)",
        [f"{C} list", f"{C} list --requests"],
    )
    listing.add_argument("--requests", action="store_true", help="list certificate requests instead")
    listing_options(listing)
    command(
        certificates,
        "show",
        show,
        "show a request (by id: its validations) or a certificate (by SHA-1 fingerprint)",
        [f"{C} show 12", f"{C} show 0A1B2C..."],
    ).add_argument("id_or_fingerprint")
    verify = command(
        certificates,
        "verify",
        verify_request,
        "have a request's validations checked now; issued when all pass",
        [f"{C} verify 12", f"{C} verify 12 --wait"],
    )
    verify.add_argument("request_id", type=int)
    wait_options(verify)
    download = command(
        certificates,
        "download",
        download_certificate,
        "write a certificate file: pem (the certificate and its issuers); pfx needs the private key",
        [f"{C} download 0A1B... > site.pem", f"{C} download 0A1B... --output site.pem"],
    )
    download.add_argument("sha1_fingerprint")
    download.add_argument("--file-format", default="pem", choices=["pem", "pfx"])
    download.add_argument("--password", default="", help="protects a PFX (not used for PEM)")
    download.add_argument("--output", help="a file to write (default: standard output)")


def _attributes(pairs: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"resellerctl: error: --attribute {pair!r}: expected NAME=VALUE")
        found[name.strip()] = value.strip()
    return found


def request_certificate(ctx: Context) -> None:
    a = ctx.args
    csr = sys.stdin.read() if a.csr_file == "-" else Path(a.csr_file).read_text()
    request_id = ctx.client.sslcertificaterequests.create(csr, a.type, a.level, _attributes(a.attribute))
    ctx.out.one(ctx.client.sslcertificaterequests.get(int(request_id)), f"certificate request {request_id}")


def list_certificates(ctx: Context) -> None:
    a = ctx.args
    if a.requests:
        items = ctx.client.sslcertificaterequests.iter_all(page_size=a.page_size)
        ctx.out.many(limited(items, a.limit), "SSL certificate requests", noun="certificate requests")
        return
    certificates = ctx.client.sslcertificates.iter_all(page_size=a.page_size)
    ctx.out.many(limited(certificates, a.limit), "SSL certificates", noun="certificates")


def show(ctx: Context) -> None:
    wanted = ctx.args.id_or_fingerprint
    if wanted.isdigit():
        found = ctx.client.sslcertificaterequests.get(int(wanted))
        if not isinstance(found, str):
            ctx.out.one(found, f"certificate request {wanted}")
            return
        wanted = found.rsplit("/", 1)[1]  # issued: show its certificate
    ctx.out.one(ctx.client.sslcertificates.get(wanted), "SSL certificate")


def verify_request(ctx: Context) -> None:
    a = ctx.args
    location = ctx.client.sslcertificaterequests.verify(a.request_id)
    if location.startswith("/v2/provisioningjobs/") and a.wait:
        with ctx.out.progress(location.rsplit("/", 1)[1]) as progress:
            ctx.client.job(location).wait(timeout=a.timeout, on_progress=progress)
        location = str(ctx.client.sslcertificaterequests.get(a.request_id))
    if location.startswith("/v2/sslcertificates/"):
        ctx.out.one(ctx.client.sslcertificates.get(location.rsplit("/", 1)[1]), "SSL certificate issued")
    elif location:
        ctx.out.one(
            {"request_id": a.request_id, "job": location}, "validated: the certificate is being issued"
        )
    else:
        detail = ctx.client.sslcertificaterequests.get(a.request_id)
        ctx.out.one(detail, f"certificate request {a.request_id}: still waiting for its validations")


def download_certificate(ctx: Context) -> None:
    a = ctx.args
    content = ctx.client.sslcertificates.download(a.sha1_fingerprint, a.file_format, a.password)
    if a.output:
        Path(a.output).write_bytes(content)
        ctx.out.done(f"wrote {a.output}", path=a.output)
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
