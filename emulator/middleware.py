"""Admit a few emulator requests at a time, in arrival order, each on a thread of its own slot.

The emulator's views are synchronous (the ORM). Under an ASGI server Django gives each request
a new thread and a new database connection, so twenty requests at once made twenty threads
fight over the GIL and SQLite: each call then cost over twice the CPU it costs alone
(bench/bench_fleet.py measured ~22 ms against ~10 ms), and the dashboard pages waiting on them
took that much longer. Here a request first takes one of ``EMULATOR_CONCURRENCY`` slots
(the rest wait their turn, nothing is refused), and its synchronous work runs on that slot's
long-lived thread, which keeps its database connection from one request to the next. The
default is one slot: the views are pure Python and SQLite on the GIL, and twenty requests
through one thread finished in 190 ms where two threads took 265 ms (they fight over the GIL
just as twenty did, only less). A streamed export holds its slot only until its response
object exists, not while it streams.

The slot's thread is chosen through asgiref's thread-sensitive context, which is how Django
itself picks the thread for a request's synchronous code; only requests under ``/rest/`` are
affected, and only in async mode (a WSGI server, or the sync test client, passes straight by).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable

from asgiref.sync import (
    SyncToAsync,
    ThreadSensitiveContext,
    iscoroutinefunction,
    markcoroutinefunction,
)
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

PREFIX = "/rest/"
_slots: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, asyncio.Queue[ThreadSensitiveContext]
] = weakref.WeakKeyDictionary()


def _free_slots() -> asyncio.Queue[ThreadSensitiveContext]:
    """This event loop's slots (a queue belongs to one loop; tests run several)."""
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Queue()
        for _ in range(settings.EMULATOR_CONCURRENCY):
            # Never entered, so never exited: its executor (one thread) lives on.
            slots.put_nowait(ThreadSensitiveContext())
    return slots


class EmulatorGate:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], object]) -> None:
        self.get_response = get_response
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        if not self._async:  # a sync server runs one request per thread anyway
            return self.get_response(request)
        return self.__acall__(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path_info.startswith(PREFIX):
            pending: Awaitable[HttpResponseBase] = self.get_response(request)  # type: ignore[assignment]
            return await pending
        slots = _free_slots()
        slot = await slots.get()  # FIFO: waiters are served in arrival order
        pinned = SyncToAsync.thread_sensitive_context.set(slot)
        try:
            return await self.get_response(request)  # type: ignore[misc]
        finally:
            SyncToAsync.thread_sensitive_context.reset(pinned)
            slots.put_nowait(slot)
