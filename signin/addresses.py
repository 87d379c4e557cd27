"""Who is asking: the client's address, trusting ``X-Forwarded-For`` only from our own proxies.

Throttling and "is this request local" (``/metrics``) must not be fooled by a header anyone
can send, yet behind nginx every request's ``REMOTE_ADDR`` is the proxy's. So the forwarded
chain is believed exactly as far as the hops in ``TRUSTED_PROXIES`` (addresses or networks):
walking it from the right, the first address that is not a trusted proxy is the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    networks: tuple[Network, ...] = settings.TRUSTED_PROXY_NETWORKS
    return address is not None and any(address in network for network in networks)


def is_trusted_proxy(address: str) -> bool:
    """True when ``address`` (a direct peer) is one of ours in ``TRUSTED_PROXIES``."""
    return _trusted(_address(address))


def client_address(meta: Mapping[str, object]) -> str:
    """The client's address for a request's ``META`` (or an ASGI-derived mapping alike)."""
    remote = str(meta.get("REMOTE_ADDR") or "")
    if not _trusted(_address(remote)):
        return remote
    forwarded = str(meta.get("HTTP_X_FORWARDED_FOR") or "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return remote  # a junk hop: believe nothing beyond our own proxy
        if not _trusted(address):
            return str(address)
    return str(_address(hops[0])) if hops else remote


def is_local(meta: Mapping[str, object]) -> bool:
    """True for a client on this host (loopback), as told by ``client_address``."""
    address = _address(client_address(meta))
    return address is not None and address.is_loopback
