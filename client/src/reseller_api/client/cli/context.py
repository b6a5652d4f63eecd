"""What every command gets: the parsed arguments, the output, and a client made on first use."""

from __future__ import annotations

import argparse
from functools import cached_property

from reseller_api.client.cli import config
from reseller_api.client.cli.output import Output
from reseller_api.client.sync import Client


class Context:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        fmt = getattr(args, "format", None) or ("json" if getattr(args, "json", False) else None)
        self.out = Output(fmt)

    @cached_property
    def profile(self) -> config.Profile:
        return config.resolve(getattr(self.args, "profile", None))

    @cached_property
    def client(self) -> Client:
        return Client(self.profile.url, self.profile.api_key, self.profile.api_secret)

    @property
    def base_url(self) -> str:
        return self.profile.url if "profile" in self.__dict__ else ""

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()
