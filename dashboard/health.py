"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: database, cache, channel
layer and upstream each answer within a short timeout), for load balancers and systemd.

Answered by a small ASGI layer in front of Django: no session, no CSRF, no host check (a
balancer probes by IP address), no throttling and no access-log line, so a probe every second
costs next to nothing. Concurrent probes share one round of checks, and the upstream's answer
is kept for a few seconds, so many balancers do not multiply the load on the upstream.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

CHECK_TIMEOUT = 2.0  # seconds per check
UPSTREAM_TTL = 5.0  # seconds an upstream answer is reused
PATHS = ("/healthz", "/readyz")
UPSTREAM_THERE = (401, 429)  # an unauthenticated GET /products: the API is there

# Database checks run on one thread of their own: a hung connect never takes the request
# threads, and a second check while one still hangs fails at once instead of queueing.
_db_thread = ThreadPoolExecutor(1, thread_name_prefix="readyz-db")
_db_busy = False
_round: asyncio.Task[dict[str, str]] | None = None
_upstream: tuple[float, str] = (0.0, "")


def _database() -> str:
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as error:
        connection.close_if_unusable_or_obsolete()
        if connection.connection is not None:
            connection.close()
        return f"failed: {type(error).__name__}"


async def check_database() -> str:
    global _db_busy
    if _db_busy:
        return "failed: the previous check has not answered"
    _db_busy = True
    future = asyncio.get_running_loop().run_in_executor(_db_thread, _database)
    future.add_done_callback(lambda _: _release_db())
    return await asyncio.wait_for(asyncio.shield(future), CHECK_TIMEOUT)


def _release_db() -> None:
    global _db_busy
    _db_busy = False


async def check_cache() -> str:
    from django.core.cache import cache

    await cache.aset("readyz", 1, 10)
    return "ok" if await cache.aget("readyz") == 1 else "failed: value not kept"


async def check_channel_layer() -> str:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return "failed: no channel layer"
    # A group nobody is in: a round trip to Redis that leaves nothing behind.
    await layer.group_send("readyz", {"type": "readyz.noop"})
    return "ok"


async def check_upstream() -> str:
    global _upstream
    from products.client import ping

    checked_at, answer = _upstream
    if answer and time.monotonic() - checked_at < UPSTREAM_TTL:
        return answer
    status = await ping(CHECK_TIMEOUT)
    # The contract answers an unauthenticated look with 401 (429 when it throttles us: it is
    # there). Anything else is a wrong VOLTSTORAGE_API_URL (404, a host refusing the name with
    # 400) or an upstream in trouble, and counting it as ready would hide exactly that.
    answer = "ok" if status in UPSTREAM_THERE else f"failed: HTTP {status}, expected 401"
    _upstream = (time.monotonic(), answer)
    return answer


async def _guarded(check: Any) -> str:
    try:
        return await asyncio.wait_for(check(), CHECK_TIMEOUT)
    except TimeoutError:
        return f"failed: no answer in {CHECK_TIMEOUT:g} s"
    except Exception as error:
        return f"failed: {type(error).__name__}"


async def _run_checks() -> dict[str, str]:
    names = ("database", "cache", "channel_layer", "upstream")
    checks = (check_database, check_cache, check_channel_layer, check_upstream)
    results = await asyncio.gather(*(_guarded(check) for check in checks))
    return dict(zip(names, results, strict=True))


async def readiness() -> dict[str, str]:
    """Every check's result; concurrent callers share one round."""
    global _round
    if _round is None or _round.done():
        _round = asyncio.ensure_future(_run_checks())
    return await asyncio.shield(_round)


async def _respond(send: Any, status: int, body: dict[str, Any]) -> None:
    payload = orjson.dumps(body) + b"\n"
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class HealthEndpoints:
    """ASGI middleware answering ``GET /healthz`` and ``GET /readyz`` before Django."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] not in PATHS:
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _respond(send, 405, {"status": "method not allowed"})
        elif scope["path"] == "/healthz":
            await _respond(send, 200, {"status": "ok"})
        else:
            checks = await readiness()
            ready = all(result == "ok" for result in checks.values())
            body = {"status": "ok" if ready else "failed", "checks": checks}
            await _respond(send, 200 if ready else 503, body)
