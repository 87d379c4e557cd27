"""Admit a few emulator requests at a time, in arrival order.

The emulator's views are synchronous (the ORM), so under an ASGI server each request gets a
thread of its own. Twenty at once made twenty threads fight over the GIL and SQLite: each call
then cost over twice the CPU it costs alone (bench/bench_fleet.py measured ~22 ms against
~10 ms), and the dashboard pages waiting on them took that much longer. Queued at the door
instead, they run a couple at a time at their solo cost; nothing is refused. A streamed
export only holds its place until its response object exists, not while it streams.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

PREFIX = "/rest/"
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _gate() -> asyncio.Semaphore:
    """This event loop's gate (a semaphore belongs to one loop; tests run several)."""
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(settings.EMULATOR_CONCURRENCY)
    return gate


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
        pending: Awaitable[HttpResponseBase] = self.get_response(request)  # type: ignore[assignment]
        if not request.path_info.startswith(PREFIX):
            return await pending
        async with _gate():
            return await pending
