"""``resellerctl certificates``: requests, validation, issued certificates, downloads."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.api.test_sslcertificates import make_csr
from tests.cli.conftest import Site

pytestmark = pytest.mark.integration


def test_certificates(
    site: Site,
    alice: dict[str, str],
    bob: dict[str, str],
    account: dict[str, object],
    tmp_path: Path,
    ok: Callable[..., str],
) -> None:
    requested = json.loads(ok("certificates", "request", "-", "--json", stdin=make_csr("cli.example")))
    request_id = str(requested["id"])
    assert requested["common_name"] == "cli.example"
    # cli.example's zone is hosted here: its validation is checked at once and a job issues it.
    deadline = time.monotonic() + 15
    while True:
        shown = json.loads(ok("certificates", "show", request_id, "--json"))
        if "sha1_fingerprint" in shown or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    fingerprint = shown["sha1_fingerprint"]
    verified = json.loads(ok("certificates", "verify", request_id, "--json"))
    assert verified["sha1_fingerprint"] == fingerprint
    assert fingerprint in ok("certificates", "list")
    assert request_id in ok("certificates", "list", "--requests", "--format", "tsv")
    target = tmp_path / "cli.pem"
    ok("certificates", "download", fingerprint, "--output", str(target))
    assert target.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert ok("certificates", "download", fingerprint).startswith("-----BEGIN CERTIFICATE-----")
    pfx = site.ctl("certificates", "download", fingerprint, "--file-format", "pfx", **alice)
    assert pfx.returncode != 0
    assert "private key" in pfx.stderr
    assert "Traceback" not in pfx.stderr
    assert site.ctl("certificates", "show", fingerprint, **bob).returncode != 0
