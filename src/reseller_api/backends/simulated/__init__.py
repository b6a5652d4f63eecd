"""The simulated backends (the default): each keeps its state in the ``simulated_objects`` table."""

from __future__ import annotations

from reseller_api.backends.simulated.dns import SimulatedDns
from reseller_api.backends.simulated.hosting import SimulatedHosting
from reseller_api.backends.simulated.mail import SimulatedMail
from reseller_api.backends.simulated.world import SimulatedStore

__all__ = ["SimulatedDns", "SimulatedHosting", "SimulatedMail", "SimulatedStore"]
