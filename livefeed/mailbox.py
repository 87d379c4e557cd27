"""A viewer's outbox: a few state messages at most, and one heartbeat.

Every state message carries the full merged state. The common case costs no task switch and no
coroutine: when nothing is queued or in flight, ``put`` writes the message's frame, encoded once
for every viewer, straight to the socket (``dashboard.wsprotocol``), inside the relay's own loop
iteration. Where the server offers no such write, or the socket cannot take it right now, the
ordinary ASGI send starts at once instead; it completes without suspending while the socket's
write buffer has room. Only a send that really waits (the browser's buffer is full:
back-pressure) is handed, mid-flight, to the viewer's writer task; from then on states queue
behind it.

A short queue (``LIVEFEED_VIEWER_QUEUE``, default 16 messages, 1.6 s at 10 frames/s) rides out
a busy moment without losing a frame; a viewer that falls further behind skips to the newest
state: everything older is dropped (and counted), since the newest one holds every value
anyway. So a slow browser costs a bounded amount of memory and never delays anybody else: the
relay only ever calls the non-blocking ``put``.
"""

from __future__ import annotations

import asyncio
import logging
import types
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any

from livefeed.metrics import METRICS
from livefeed.state import Message

log = logging.getLogger(__name__)


@types.coroutine
def _finish(coro: Coroutine[Any, Any, Any], waiting: Any) -> Generator[Any, Any, None]:
    """Await the rest of ``coro``, which already ran up to its first suspension (``waiting``).

    Lets the writer task take over a send that ``put`` started eagerly and that turned out to
    wait: every later resumption (or cancellation) is forwarded to the original coroutine.
    """
    while True:
        try:
            resumed = yield waiting
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:  # cancellation: let the send clean up, then re-raise
            try:
                waiting = coro.throw(exc)
            except StopIteration:
                return
        else:
            try:
                waiting = coro.send(resumed)
            except StopIteration:
                return


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
        self._inflight: Generator[Any, Any, None] | None = None  # an eager send that waited
        self._inflight_state = True  # it carries a state (counted in frames out), not a beat
        self._sending = False  # the writer task is inside a send

    def put(self, message: Message) -> None:
        """Send now if the socket is free, else queue; a full queue drops everything older."""
        if self._inflight is None and not self._sending and not self._states:
            self._send_now(message)
            return
        if len(self._states) >= self._limit:
            METRICS.frames_dropped_total += len(self._states)
            self._states.clear()
        self._states.append(message)
        self._wake.set()

    def put_heartbeat(self, message: Message) -> None:
        """Send now if the socket is free, else after the pending states (replaces older beats)."""
        if self._inflight is None and not self._sending and not self._states:
            self._send_now(message, state=False)
            return
        self._beat = message
        self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._states) + (self._beat is not None)

    def _send_now(self, message: Message, state: bool = True) -> None:
        """Write the frame if the socket takes it; else run the send up to its first
        suspension, and if it suspends, the writer finishes it."""
        if self._write is not None and self._write(message.frame):
            METRICS.frames_out_total += state
            return
        coro = self._send(message.text)
        try:
            waiting = coro.send(None)  # type: ignore[attr-defined]
        except StopIteration:
            METRICS.frames_out_total += state
            return
        except Exception as exc:  # the socket is going away; its disconnect cleans up
            log.debug("sending to a viewer failed: %s", type(exc).__name__)
            return
        self._inflight = _finish(coro, waiting)  # type: ignore[arg-type]
        self._inflight_state = state
        self._wake.set()

    async def _deliver(self, message: Message) -> None:
        if self._write is None or not self._write(message.frame):
            await self._send(message.text)

    async def run(self) -> None:
        """Send until cancelled; run as the viewer's one writer task."""
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                self._sending = True
                try:
                    if self._inflight is not None:
                        await self._inflight
                        self._inflight = None
                        METRICS.frames_out_total += self._inflight_state
                    while self._states:
                        await self._deliver(self._states.popleft())
                        METRICS.frames_out_total += 1
                    beat, self._beat = self._beat, None
                    if beat is not None:
                        await self._deliver(beat)
                finally:
                    self._sending = False
        finally:
            if self._inflight is not None:  # cancelled before an eager send finished
                self._inflight.close()
                self._inflight = None
