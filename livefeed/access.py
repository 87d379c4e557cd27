"""May this viewer see this product? Asked upstream with the viewer's own token, cached briefly.

Every browser socket is checked before it joins a feed, because the relay's upstream socket
runs on some other viewer's token: without this check anyone signed in could watch any product.
The answer is cached (in the Django cache, so Redis shares it between processes) for
``LIVEFEED_ACCESS_TTL`` seconds, so a reconnect storm does not become a REST storm. The cache
key holds a hash of the token, never the token.
"""

from __future__ import annotations

import asyncio
import hashlib

from django.conf import settings
from django.core.cache import cache

from livefeed.metrics import METRICS
from products.client import Forbidden, Unauthorized, UpstreamError, UpstreamUnavailable, get_product

ALLOWED = 0
UNAUTHORISED = 4401  # close codes the browser understands: sign in again
FORBIDDEN = 4403  # not your product: do not retry
UNAVAILABLE = 4503  # cannot ask upstream now: retry later


def _key(token: str, product_id: int) -> str:
    digest = hashlib.sha256(token.encode()).hexdigest()[:40]
    return f"livefeed:access:{digest}:{product_id}"


# Checks in flight in this process: when a wall of displays reconnects at once (a deploy, a
# network blip), concurrent sockets of one viewer and product share one upstream request.
_in_flight: dict[str, asyncio.Future[int | None]] = {}


async def check_access(token: str, product_id: int) -> int:
    """``ALLOWED`` or the close code to refuse the socket with."""
    key = _key(token, product_id)
    cached = await cache.aget(key)
    if cached is not None:
        return int(cached)
    loop = asyncio.get_running_loop()
    pending = _in_flight.get(key)
    if pending is not None and pending.get_loop() is loop:
        shared = await asyncio.shield(pending)
        return shared if shared is not None else await _ask_upstream(token, product_id, key)
    future: asyncio.Future[int | None] = loop.create_future()
    _in_flight[key] = future
    verdict = None
    try:
        verdict = await _ask_upstream(token, product_id, key)
        return verdict
    finally:
        future.set_result(verdict)  # None if this check was cancelled: the others ask themselves
        if _in_flight.get(key) is future:
            del _in_flight[key]


async def _ask_upstream(token: str, product_id: int, key: str) -> int:
    METRICS.access_checks_total += 1
    try:
        await get_product(token, product_id)
        verdict = ALLOWED
    except Unauthorized:
        verdict = UNAUTHORISED
    except Forbidden:
        verdict = FORBIDDEN
    except UpstreamUnavailable:
        return UNAVAILABLE  # not cached: the next attempt asks again
    except UpstreamError:
        return UNAVAILABLE
    await cache.aset(key, verdict, timeout=settings.LIVEFEED_ACCESS_TTL)
    return verdict


async def forget_access(token: str, product_id: int) -> None:
    """Drop a cached verdict, e.g. when upstream refused the token on the socket."""
    await cache.adelete(_key(token, product_id))
