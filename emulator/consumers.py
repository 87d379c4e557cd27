"""The emulated upstream socket ``/rest/data/socket?productId=…&token=…``.

One consumer per connection. Frames come from the same sparse reports as the export (one
frame per report instant, changed fields only), precomputed two minutes at a time and shared
by every connection to the same product in this process, so a connection costs a dict look-up
and a ``send`` per second.
"""

from __future__ import annotations

import asyncio
import json
import time
from bisect import bisect_right
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from emulator import faults, schedule, simulation
from emulator.auth import AuthError, user_for_token
from emulator.params import Forbidden, parse_int, product_for
from emulator.site import Site

# Seconds between two looks at the clock; tests shorten it and move a frozen clock instead.
TICK_SECONDS = 1.0
# Close code when the emulator drops sockets on purpose: like HTTP 503, the client should
# reconnect (an application code in 3000-4999; daphne, which served this before uvicorn, allowed
# no other codes but 1000).
DROP_CODE = 4503
WINDOW = simulation.HEARTBEAT

# Open consumers of this process: the emulator-only "drop every socket" knob closes them.
_OPEN: set[DataSocket] = set()


async def close_all(code: int = DROP_CODE) -> int:
    """Close every open upstream socket of this process; returns how many were open."""
    consumers = list(_OPEN)
    for consumer in consumers:
        await consumer.drop(code)
    return len(consumers)


def _authorise(token: str, product_id: int) -> Site:
    user = user_for_token(token)
    return Site.from_product(product_for(user, product_id))


class DataSocket(AsyncWebsocketConsumer):
    """Read-only live data of one product; messages from the client are ignored."""

    task: asyncio.Task | None = None

    async def connect(self) -> None:
        # A query string is ASCII (percent-escaped); junk bytes must not crash the handshake.
        query = parse_qs(self.scope.get("query_string", b"").decode("ascii", "replace"))
        token = (query.get("token") or [""])[0]
        raw_id = (query.get("productId") or [""])[0]
        await self.accept()
        if not token:
            await self.close(code=4401)
            return
        product_id = parse_int(raw_id)
        if product_id is None or product_id < 1:
            await self.close(code=4400)
            return
        try:
            site = await database_sync_to_async(_authorise)(token, product_id)
        except AuthError:
            await self.close(code=4401)
            return
        except Forbidden:
            await self.close(code=4403)
            return
        _OPEN.add(self)
        self.product_id = product_id  # for emulator-only fault injection in _send
        self.task = asyncio.create_task(self._stream(site))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The socket is read-only: whatever the client sends is ignored."""

    async def disconnect(self, code: int) -> None:
        _OPEN.discard(self)
        if self.task is not None:
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                # The stream's cancellation ends here; a cancellation of this task must not
                # (a shutdown cancels it once and waits for it).
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
            self.task = None

    async def drop(self, code: int) -> None:
        _OPEN.discard(self)
        if self.task is not None:
            self.task.cancel()
        await self.close(code=code)

    async def _send(self, kind: str, when: float, data: dict[str, Any]) -> None:
        if kind == "latest-data":
            data = faults.apply_frame(self.product_id, when, data)
        await self.send(text_data=json.dumps({"type": kind, "time": when, "data": data}))

    async def _stream(self, site: Site) -> None:
        now = time.time()
        when, data = simulation.latest(site, now)
        if when is not None:
            await self._send("latest-data", when, data)
        state = (schedule.is_online(site, now), schedule.errors_at(site, now))
        await self._send("product", now, {"online": state[0], "errors": state[1]})
        sent_until = now
        while True:
            await asyncio.sleep(TICK_SECONDS)
            now = time.time()
            if now <= sent_until:
                continue
            current = (schedule.is_online(site, now), schedule.errors_at(site, now))
            if current != state:
                state = current
                await self._send("product", now, {"online": state[0], "errors": state[1]})
            # Frames reported since the last look; after a long stall only the last minute.
            start = max(sent_until, now - 60)
            window = int(start // WINDOW) * WINDOW
            while window <= now:
                times, changes = simulation.window_frames(site, window)
                for i in range(bisect_right(times, start), bisect_right(times, now)):
                    await self._send("latest-data", times[i], changes[i])
                window += WINDOW
            sent_until = now
