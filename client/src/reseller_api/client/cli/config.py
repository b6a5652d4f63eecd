"""Where ``resellerctl`` finds its credentials: environment, then a named profile.

The config file is TOML, ``$RESELLERCTL_CONFIG`` or ``$XDG_CONFIG_HOME/resellerctl/config.toml``
(``~/.config/...`` by default), one table per profile::

    [profiles.default]
    url = "http://127.0.0.1:8000"
    api_key = "3f0c..."
    api_secret = "q2Jx..."

It holds secrets, so it is written 0600 (its directory 0700) and rewritten atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_PROFILE = "default"
BOOTSTRAP_FILE = Path("var/bootstrap-credentials.json")


class ConfigError(Exception):
    """Credentials missing or unreadable; the message says what to do."""


@dataclass(frozen=True)
class Profile:
    url: str
    api_key: str
    api_secret: str


def config_path(env: Mapping[str, str] = os.environ) -> Path:
    if env.get("RESELLERCTL_CONFIG"):
        return Path(env["RESELLERCTL_CONFIG"])
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "resellerctl" / "config.toml"


def read_profiles(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    profiles = document.get("profiles", {})
    return {
        str(k): {str(f): str(v) for f, v in p.items()} for k, p in profiles.items() if isinstance(p, dict)
    }


def save_profile(path: Path, name: str, profile: Profile) -> None:
    """Add or replace one profile; the file is never readable by others, not even for a moment."""
    profiles = read_profiles(path)
    profiles[name] = {"url": profile.url, "api_key": profile.api_key, "api_secret": profile.api_secret}
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    lines = []
    for key, values in profiles.items():
        lines.append(f"[profiles.{json.dumps(key)}]")
        # JSON strings are valid TOML basic strings.
        lines.extend(f"{field} = {json.dumps(value)}" for field, value in values.items())
        lines.append("")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".config-")  # created 0600
    try:
        with os.fdopen(handle, "w") as out:
            out.write("\n".join(lines))
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_bootstrap(path: Path) -> tuple[str, str]:
    """The key and secret ``reseller-api serve`` wrote on its first start."""
    try:
        document = json.loads(path.read_text())
        return str(document["api_key"]), str(document["api_secret"])
    except FileNotFoundError as exc:
        raise ConfigError(f"{path} does not exist: start the server once (make run) to create it") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path} is not a bootstrap credentials file: {exc}") from exc


def resolve(profile_name: str | None, env: Mapping[str, str] = os.environ) -> Profile:
    """``RESELLER_API_URL``/``_KEY``/``_SECRET`` override the profile's values, unless a profile was named."""
    name = profile_name or env.get("RESELLERCTL_PROFILE") or DEFAULT_PROFILE
    path = config_path(env)
    stored = read_profiles(path).get(name, {})
    if profile_name and not stored:
        raise ConfigError(f"no profile {profile_name!r} in {path}; create it with: resellerctl configure")
    use_env = not profile_name
    values = {
        "url": (use_env and env.get("RESELLER_API_URL")) or stored.get("url") or DEFAULT_URL,
        "api_key": (use_env and env.get("RESELLER_API_KEY")) or stored.get("api_key", ""),
        "api_secret": (use_env and env.get("RESELLER_API_SECRET")) or stored.get("api_secret", ""),
    }
    if not values["api_key"] or not values["api_secret"]:
        raise ConfigError(
            "no credentials: set RESELLER_API_KEY and RESELLER_API_SECRET, "
            "or run: resellerctl configure --from-bootstrap"
        )
    return Profile(values["url"], values["api_key"], values["api_secret"])
