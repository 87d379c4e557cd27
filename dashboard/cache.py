"""The in-process cache (the default, one process), with async methods that stay on the loop.

Django's async cache methods are ``sync_to_async`` wrappers: a thread hop per call. That is
right for a cache across the network (Redis, with ``REDIS_URL``), where the call waits on a
socket, but the local-memory cache is a dictionary behind a lock that is never held for long.
Every page reads its session through the cache (``cached_db`` sessions), and the fleet
snapshot lives here: those reads now cost a function call, not a thread switch.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import locmem
from django.core.cache.backends.base import DEFAULT_TIMEOUT


class LocMemCache(locmem.LocMemCache):
    async def aget(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self.get(key, default, version)

    async def aset(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT,
                   version: int | None = None) -> None:  # fmt: skip
        self.set(key, value, timeout, version)

    async def aadd(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT,
                   version: int | None = None) -> bool:  # fmt: skip
        return self.add(key, value, timeout, version)

    async def adelete(self, key: Any, version: int | None = None) -> bool:
        return self.delete(key, version)

    async def atouch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT,
                     version: int | None = None) -> bool:  # fmt: skip
        return self.touch(key, timeout, version)

    async def ahas_key(self, key: Any, version: int | None = None) -> bool:
        return self.has_key(key, version)

    async def aget_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self.get_many(keys, version)

    async def aset_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT,
                        version: int | None = None) -> list[Any]:  # fmt: skip
        return self.set_many(data, timeout, version)

    async def adelete_many(self, keys: Any, version: int | None = None) -> None:
        self.delete_many(keys, version)
