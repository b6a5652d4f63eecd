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
        self.out = Output(bool(getattr(args, "json", False)))

    @cached_property
    def client(self) -> Client:
        profile = config.resolve(getattr(self.args, "profile", None))
        return Client(profile.url, profile.api_key, profile.api_secret)

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()
