"""A viewer's outbox: a few state messages at most, and one heartbeat.

Every state message carries the full merged state. The relay hands each one to every viewer's
``put``, which never blocks:

- the common case, a socket with room and nothing queued ahead: the message's frame, encoded
  once for all viewers (``livefeed.wire``), is written to the socket right there, in the
  relay's own loop iteration, with no task switch and no coroutine;
- otherwise (the server offers no such write, or the socket cannot take it right now) the
  message is queued and the viewer's writer task (``run``) sends it with the ordinary ASGI
  send, which waits while the browser's buffer is full (back-pressure).

A short queue (``LIVEFEED_VIEWER_QUEUE``, default 16 messages, 1.6 s at 10 frames/s) rides out
a busy moment without losing a frame; a viewer that falls further behind skips to the newest
state: everything older is dropped (and counted), since the newest one holds every value
anyway. So a slow browser costs a bounded amount of memory and never delays anybody else.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from livefeed.metrics import METRICS
from livefeed.state import Message

log = logging.getLogger(__name__)


class Mailbox:
    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        limit: int = 16,
        write: Callable[[bytes], bool] | None = None,
    ) -> None:
        """``send`` is the ASGI send of a text message; ``write``, where the server offers it,
        writes an encoded frame at once or says False (then ``send`` is used)."""
        self._send = send
        self._write = write
        self._limit = max(1, limit)
        self._states: deque[Message] = deque()
        self._beat: Message | None = None
        self._wake = asyncio.Event()
        self._sending = False  # the writer task is inside a send

    def put(self, message: Message) -> None:
        """Write now if the socket is free, else queue; a full queue drops everything older."""
        if self._idle() and self._write_now(message):
            METRICS.frames_out_total += 1
            return
        if len(self._states) >= self._limit:
            METRICS.frames_dropped_total += len(self._states)
            self._states.clear()
        self._states.append(message)
        self._wake.set()

    def put_heartbeat(self, message: Message) -> None:
        """Write now if the socket is free, else after the pending states (replaces older beats)."""
        if self._idle() and self._write_now(message):
            return
        self._beat = message
        self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._states) + (self._beat is not None)

    def _idle(self) -> bool:
        """Nothing is queued or being sent, so a message written now keeps its order."""
        return not self._sending and not self._states

    def _write_now(self, message: Message) -> bool:
        return self._write is not None and self._write(message.frame)

    async def _deliver(self, message: Message) -> None:
        if not self._write_now(message):
            await self._send(message.text)

    async def run(self) -> None:
        """Send what ``put`` queued, in order, until cancelled; the viewer's one writer task."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            self._sending = True
            try:
                while self._states:
                    await self._deliver(self._states.popleft())
                    METRICS.frames_out_total += 1
                beat, self._beat = self._beat, None
                if beat is not None:
                    await self._deliver(beat)
            except Exception as exc:  # the socket is going away; its disconnect cleans up
                log.debug("sending to a viewer failed: %s", type(exc).__name__)
            finally:
                self._sending = False
