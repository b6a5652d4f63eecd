"""``reseller-api certificates renew``: what is due is renewed, then nginx reloaded; nothing else."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine

from reseller_api.backends.certificates import SelfSignedIssuer
from reseller_api.cli.main import main

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def nginx_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in {
        "RESELLER_API_DATA_DIR": str(tmp_path / "var"),
        "RESELLER_API_WEB_BACKEND": "nginx",
        "RESELLER_API_WEB_ROOT": str(tmp_path / "www"),
        "RESELLER_API_NGINX_CONF_DIR": str(tmp_path / "nginx"),
        # Stands in for `nginx -s reload`: leaves a mark we can look for.
        "RESELLER_API_NGINX_RELOAD_COMMAND": f"touch {tmp_path / 'reloaded'}",
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def test_renews_what_is_due_and_reloads_nginx(nginx_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    issuer = SelfSignedIssuer(nginx_env / "nginx" / "certificates")
    with time_machine.travel(START, tick=False):
        issuer.ensure(["example.com"])
        assert main(["certificates", "renew"]) == 0
    assert "0 certificate(s) renewed" in capsys.readouterr().out
    assert not (nginx_env / "reloaded").exists()

    with time_machine.travel(START + dt.timedelta(days=61), tick=False):
        assert main(["certificates", "renew"]) == 0
    out = capsys.readouterr().out
    assert "renewed example.com" in out
    assert "1 certificate(s) renewed" in out
    assert (nginx_env / "reloaded").exists()


def test_without_the_nginx_backend_there_is_nothing_to_renew(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RESELLER_API_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("RESELLER_API_WEB_BACKEND", raising=False)
    assert main(["certificates", "renew"]) == 0
    assert "no certificates to renew" in capsys.readouterr().out
