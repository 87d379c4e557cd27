"""A per-viewer snapshot of the whole fleet: the triage tiles, the filter choices, and the
online/offline/errors views that the upstream cannot filter by.

Fetching every product on every page load would make the overview as slow as the vendor
portals beyond a few hundred sites. So the snapshot is fetched once, kept briefly in Django's
cache (shared by all processes when Redis is configured) and refreshed in the background when
it gets old (stale-while-revalidate). The cache key is a hash of the viewer's token: two viewers
never share a snapshot, and the token itself is never written into a cache key.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
import time
from collections import OrderedDict
from typing import Any

from django.core.cache import cache

from fleet.summary import Row, Summary
from products import client
from products.client import UpstreamError

log = logging.getLogger(__name__)

FRESH_FOR = 30.0  # seconds a snapshot is served without refreshing
KEEP_FOR = 15 * 60  # seconds a stale snapshot is still served (and shown as last good data)
FIRST_WAIT = 0.8  # seconds a page waits for a first build before showing its table without tiles
_refreshing: set[asyncio.Task[None]] = set()  # strong references, so tasks are not collected


def cache_key(token: str) -> str:
    return "fleet-snapshot:" + hashlib.sha256(token.encode()).hexdigest()


# Rows already read from the cache in this process, by (cache key, build time): a state view
# then costs no unpickling of 10,000 rows. A cache of a cache, bounded; never shared state.
_rows_memo: OrderedDict[tuple[str, float], list[Row]] = OrderedDict()
_MEMO_SIZE = 8


def _remember(key: str, built_at: float, rows: list[Row]) -> None:
    _rows_memo[(key, built_at)] = rows
    _rows_memo.move_to_end((key, built_at))
    while len(_rows_memo) > _MEMO_SIZE:
        _rows_memo.popitem(last=False)


async def _build(token: str) -> tuple[Summary, list[Row]]:
    started = time.time()
    result = await client.list_products(token)
    rows = [Row.from_product(p) for p in result.items]
    summary = Summary.of(rows, built_at=time.time())
    key = cache_key(token)
    # Rows first: a summary in the cache should find its rows there too.
    await cache.aset_many({f"{key}:rows": (summary.built_at, rows), key: summary}, KEEP_FOR)
    _remember(key, summary.built_at, rows)
    elapsed = time.time() - started
    log.info("fleet snapshot of %d products built in %.2f s", len(rows), elapsed)
    return summary, rows


# Builds in progress, so that twenty tabs opened at once fetch the fleet once, not twenty times.
# Background tasks run in a fresh context: the request that started one may end before it, and
# its context would point asgiref's sync_to_async (the cache calls) at that request's executor
# thread, which is gone by then ("CurrentThreadExecutor already quit").
_builds: dict[tuple[int, str], asyncio.Task[tuple[Summary, list[Row]]]] = {}


def _forget_build(slot: tuple[int, str], done: asyncio.Task[Any]) -> None:
    if _builds.get(slot) is done:
        del _builds[slot]


def _build_task(token: str) -> asyncio.Task[tuple[Summary, list[Row]]]:
    """The build of this viewer's snapshot in progress on this loop, started if there is none."""
    loop = asyncio.get_running_loop()
    slot = (id(loop), cache_key(token))
    task = _builds.get(slot)
    if task is None or task.done():
        task = loop.create_task(_build(token), context=contextvars.Context())
        _builds[slot] = task
        task.add_done_callback(lambda done: _forget_build(slot, done))
    return task


async def build(token: str) -> tuple[Summary, list[Row]]:
    """Fetch the whole fleet once (GET /products without paging) and cache it; concurrent
    callers for the same viewer share one upstream call."""
    # shield: one impatient caller going away must not cancel the fetch for the others.
    return await asyncio.shield(_build_task(token))


async def _refresh(token: str, lock: str) -> None:
    try:
        await build(token)
    except UpstreamError as exc:
        log.warning("fleet snapshot refresh failed: %s", exc)
    finally:
        await cache.adelete(lock)


async def get(token: str) -> Summary:
    """The viewer's summary: from the cache when fresh; when stale, served as is while one
    background task refreshes it; when missing, built now (raises the client's exceptions)."""
    key = cache_key(token)
    summary: Summary | None = await cache.aget(key)
    if summary is None:
        return (await build(token))[0]
    await _revalidate(token, key, summary)
    return summary


async def get_within(token: str, seconds: float) -> Summary | None:
    """Like ``get``, but a first build slower than ``seconds`` goes on in the background and
    None comes back: the page shows its table now and fetches the tiles when they are ready."""
    key = cache_key(token)
    summary: Summary | None = await cache.aget(key)
    if summary is not None:
        await _revalidate(token, key, summary)
        return summary
    task = _build_task(token)  # started now, so it goes on after a timeout
    try:
        return (await asyncio.wait_for(asyncio.shield(task), seconds))[0]
    except TimeoutError:
        return None


async def _revalidate(token: str, key: str, summary: Summary) -> None:
    if summary.age > FRESH_FOR:
        lock = f"{key}:refreshing"
        if await cache.aadd(lock, 1, 60):  # one refresh at a time, across processes
            task = asyncio.get_running_loop().create_task(
                _refresh(token, lock), context=contextvars.Context()
            )
            _refreshing.add(task)
            task.add_done_callback(_refreshing.discard)


async def cached(token: str) -> Summary | None:
    """The last good summary, however old, without asking the upstream (for failure pages)."""
    return await cache.aget(cache_key(token))


async def rows(token: str, summary: Summary) -> list[Row] | None:
    """The rows behind ``summary`` (or newer ones), or None when the cache lost them."""
    key = cache_key(token)
    memo = _rows_memo.get((key, summary.built_at))
    if memo is not None:
        return memo
    entry = await cache.aget(f"{key}:rows")
    if entry is None:
        return None
    built_at, found = entry
    _remember(key, built_at, found)
    return found
