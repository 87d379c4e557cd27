"""The in-process cache's async methods: the same answers as the sync ones, without a thread."""

from __future__ import annotations

import threading

from django.core.cache import caches

from dashboard.cache import LocMemCache


async def test_async_methods_answer_like_the_sync_ones_on_the_loop_thread(monkeypatch):
    cache = caches["default"]
    assert isinstance(cache, LocMemCache)
    loop_thread = threading.get_ident()
    seen: set[int] = set()
    real_get = LocMemCache.get

    def get(self, *args, **kwargs):
        seen.add(threading.get_ident())
        return real_get(self, *args, **kwargs)

    monkeypatch.setattr(LocMemCache, "get", get)
    await cache.aset("k", {"v": 1}, 30)
    assert await cache.aget("k") == {"v": 1} == cache.get("k")
    assert await cache.aadd("k", "other") is False
    assert await cache.ahas_key("k") and await cache.atouch("k", 60)
    await cache.aset_many({"a": 1, "b": 2})
    assert await cache.aget_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    await cache.adelete_many(["a", "b"])
    assert await cache.adelete("k") is True
    assert await cache.aget("k", "gone") == "gone"
    assert seen == {loop_thread}  # never a worker thread
