"""``resellerctl configure``: check credentials against the server, then save them as a profile.

Flags, prompts, or the server's bootstrap file. Nothing is saved until one signed request
(``GET /v2/servicepacks``) has been answered: a wrong secret, an address that is not
whitelisted or a server that is down is said at once, with the fix, not on the next command.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from reseller_api.client.cli import config
from reseller_api.client.cli.commands import Subparsers, command
from reseller_api.client.cli.context import Context
from reseller_api.client.sync import Client

ORDER = 0  # first in `resellerctl --help`, before every resource: the command modules are listed by it


def register(sub: Subparsers) -> None:
    parser = command(
        sub,
        "configure",
        configure,
        "check credentials against the server, then save them as a named profile",
        [
            "resellerctl configure --url https://api.example.net --api-key 3f69fba4   # asks for the secret",
            "resellerctl configure --from-bootstrap --url http://127.0.0.1:8000",
            "resellerctl configure --profile staging --url https://staging.example.net",
        ],
    )
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
    parser.add_argument(
        "--no-verify", action="store_true", help="save without asking the server first (e.g. offline)"
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
    if not args.no_verify:
        # Any ApiError goes to main(): printed with the URL and the hint, and nothing is saved.
        with Client(url, api_key, api_secret, rate_limit_retries=0, server_error_retries=0) as client:
            client.servicepacks.list(take=1)
    path = config.config_path()
    config.save_profile(path, name, config.Profile(url, api_key, api_secret))
    checked = "" if args.no_verify else ", checked against the server"
    ctx.out.done(
        f"profile {name!r} saved in {path}{checked}", profile=name, path=str(path), url=url, api_key=api_key
    )


def _ask(prompt: str, *, secret: bool) -> str:
    if not sys.stdin.isatty():
        raise config.ConfigError("give --api-key and --api-secret, or --from-bootstrap (no terminal to ask)")
    answer = getpass.getpass(prompt) if secret else input(prompt)
    if not answer.strip():
        raise config.ConfigError(f"{prompt.rstrip(': ')} is required")
    return answer.strip()
