"""What a simulated Windows (IIS) hosting is made of, fixed when its account is provisioned.

One application pool (.NET CLR v4.0, Integrated pipeline, the .NET Core runtimes a current
IIS host carries), one site named as the domain at ``/www`` with HTTP bindings for the
domain and its ``www.``, on a shared address (192.0.2.10, from the documentation range: the
simulation serves nothing there). No MSSQL databases: the vendor's API creates none.
"""

from __future__ import annotations

from typing import Any

SHARED_IP = "192.0.2.10"
RUNTIME = "v4.0"
PIPELINE_MODE = "Integrated"  # as IIS (and the vendor's recorded answer) writes it
NET_CORE_RUNTIMES = ("6.0", "8.0", "9.0")


def ftp_username(domain_name: str) -> str:
    """As the vendor's recorded answer shows them (``examplecom@examplecom``): the domain without
    its dots and hyphens, as user and as the IIS FTP site's name."""
    label = domain_name.replace(".", "").replace("-", "")[:31]  # the column holds 64
    return f"{label}@{label}"


def application_pool() -> dict[str, Any]:
    return {
        "runtime": RUNTIME,
        "pipeline_mode": PIPELINE_MODE,
        "installed_net_core_runtimes": list(NET_CORE_RUNTIMES),
    }


def sites(domain_name: str, ip: str) -> list[dict[str, Any]]:
    bindings = [
        {
            "protocol": "http",
            "host_name": host,
            "ip_address": ip,
            "port": 80,
            "cert_thumbprint": None,
            "ssl_enabled": False,
        }
        for host in (domain_name, f"www.{domain_name}")
    ]
    return [{"name": domain_name, "path": "/www", "bindings": bindings}]
