"""Where resellerctl takes its credentials from (no server needed)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from reseller_api.client.cli import config, main


def test_config_path_honours_the_environment(tmp_path: Path) -> None:
    assert config.config_path({"RESELLERCTL_CONFIG": "/x/c.toml"}) == Path("/x/c.toml")
    assert config.config_path({"XDG_CONFIG_HOME": "/xdg"}) == Path("/xdg/resellerctl/config.toml")
    assert config.config_path({}) == Path.home() / ".config" / "resellerctl" / "config.toml"


def test_environment_overrides_the_default_profile_but_not_a_named_one(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    config.save_profile(path, "default", config.Profile("http://a", "ka", "sa"))
    config.save_profile(path, "other", config.Profile("http://b", "kb", "sb"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    env = {"RESELLERCTL_CONFIG": str(path)}
    assert config.resolve(None, env) == config.Profile("http://a", "ka", "sa")
    env_creds = {**env, "RESELLER_API_KEY": "ke", "RESELLER_API_SECRET": "se"}
    assert config.resolve(None, env_creds) == config.Profile("http://a", "ke", "se")
    assert config.resolve("other", env_creds) == config.Profile("http://b", "kb", "sb")
    assert config.resolve(None, {**env, "RESELLERCTL_PROFILE": "other"}).url == "http://b"
    # Saving again replaces one profile and keeps the other.
    config.save_profile(path, "other", config.Profile("http://c", "kc", "sc"))
    assert config.resolve("other", env).url == "http://c"
    assert config.resolve(None, env).url == "http://a"


def test_environment_alone_is_enough(tmp_path: Path) -> None:
    env = {
        "RESELLERCTL_CONFIG": str(tmp_path / "none.toml"),
        "RESELLER_API_KEY": "k",
        "RESELLER_API_SECRET": "s",
    }
    assert config.resolve(None, env) == config.Profile(config.DEFAULT_URL, "k", "s")


def test_bad_files_are_config_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[profiles\n")
    with pytest.raises(config.ConfigError):
        config.read_profiles(broken)
    with pytest.raises(config.ConfigError, match="start the server once"):
        config.read_bootstrap(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(config.ConfigError):
        config.read_bootstrap(tmp_path / "bad.json")


def test_bad_arguments_exit_non_zero_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["accounts", "show", "not-a-number"])
    assert caught.value.code == 2
    assert "Traceback" not in capsys.readouterr().err
