"""What a resource's synchronous API writes tell webhook endpoints, as its manifest declares it.

A module of its own, as resources/assets.py is: the webhooks' outbox (webhooks/events.py),
which services import, reads these declarations, and the manifest module is not for
services (it names Litestar's types).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WriteEvents:
    """The webhook events the resource's synchronous API writes send (resources/webhooks/events.py).

    ``path`` is the route of its collection, each ``{name}`` standing for one segment
    (``/v2/accounts``, ``/v2/dns/{domain}/records``); its first segment under ``/v2`` is the
    resource's, and a write anywhere under that segment tells of ``name``: a ``POST`` on the
    collection sends ``<name>.created``, a ``DELETE`` on one of its items ``<name>.deleted``,
    any other write ``<name>.updated``. A job's end tells of its own (``JobHandler.event``).
    """

    path: str
    name: str

    @property
    def segment(self) -> str:
        """The path's first segment under ``/v2`` ("dns" for ``/v2/dns/{domain}/records``)."""
        return self.path.split("/")[2]
