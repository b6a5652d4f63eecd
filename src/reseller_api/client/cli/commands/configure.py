"""``resellerctl configure``: save a profile, from flags, prompts, or the server's bootstrap file."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from reseller_api.client.cli import config
from reseller_api.client.cli.commands import Subparsers, command
from reseller_api.client.cli.context import Context


def register(sub: Subparsers) -> None:
    parser = command(sub, "configure", configure, "save credentials as a named profile")
    parser.add_argument("--url", help=f"the API's base URL (default {config.DEFAULT_URL})")
    parser.add_argument("--api-key")
    parser.add_argument("--api-secret", help="prefer the prompt: a flag shows in the shell's history")
    parser.add_argument(
        "--from-bootstrap",
        nargs="?",
        const=str(config.BOOTSTRAP_FILE),
        metavar="PATH",
        help=f"read key and secret from the file the server wrote on first start ({config.BOOTSTRAP_FILE})",
    )


def configure(ctx: Context) -> None:
    args = ctx.args
    name = getattr(args, "profile", None) or config.DEFAULT_PROFILE
    if args.from_bootstrap:
        api_key, api_secret = config.read_bootstrap(Path(args.from_bootstrap))
    else:
        api_key = args.api_key or _ask("API key: ", secret=False)
        api_secret = args.api_secret or _ask("API secret: ", secret=True)
    url = args.url or config.DEFAULT_URL
    path = config.config_path()
    config.save_profile(path, name, config.Profile(url, api_key, api_secret))
    ctx.out.done(f"profile {name!r} saved in {path}", profile=name, path=str(path), url=url, api_key=api_key)


def _ask(prompt: str, *, secret: bool) -> str:
    if not sys.stdin.isatty():
        raise config.ConfigError("give --api-key and --api-secret, or --from-bootstrap (no terminal to ask)")
    answer = getpass.getpass(prompt) if secret else input(prompt)
    if not answer.strip():
        raise config.ConfigError(f"{prompt.rstrip(': ')} is required")
    return answer.strip()
