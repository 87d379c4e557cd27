"""One product's feed: its merged state, its local viewers, the token its upstream socket uses,
and the last 15 minutes of powers for a joining viewer's chart. Plain data and decisions; the
relay (``livefeed/relay.py``) owns the sockets and tasks.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

from websockets.asyncio.client import ClientConnection

from livefeed.state import Message, ProductState

HISTORY_SECONDS = 15 * 60
HISTORY = HISTORY_SECONDS + 60


class Viewer(Protocol):
    """A browser socket as the relay sees it (implemented by ``LiveConsumer``)."""

    token: str

    def deliver(self, message: Message) -> None:
        """Queue a state message; must not block (a slow viewer skips to the newest state)."""

    def heartbeat(self, message: Message | None) -> None:
        """Queue a heartbeat (None: a state just went out, which proves the socket alive just
        as well); the viewer may close itself here if its browser went silent."""

    def reject(self, code: int) -> None:
        """Upstream refused this viewer's token for this product: close its socket."""


@dataclass(eq=False)
class Feed:
    """One product's upstream socket, its merged state and its local viewers."""

    product_id: int
    state: ProductState
    viewers: set[Viewer] = field(default_factory=set)
    rejected: dict[str, int] = field(default_factory=dict)  # token -> close code
    token: str | None = None
    task: asyncio.Task[None] | None = None
    expiry: asyncio.TimerHandle | None = None
    socket: ClientConnection | None = None
    switching: bool = False
    last_frame: float = 0.0  # monotonic time of the last frame, for the stale check
    last_broadcast: float = 0.0  # monotonic time of the last state sent to every viewer
    snapshot: Message | None = None  # the newest browser message, for viewers who join
    viewer_arrived: asyncio.Event = field(default_factory=asyncio.Event)
    # Powers of the last 15 minutes at most once a second, so a joining viewer's chart is full.
    history: deque[list[float | None]] = field(default_factory=lambda: deque(maxlen=HISTORY))

    def remember(self) -> None:
        point = self.state.chart_point()
        if point is not None and (not self.history or point[0] >= self.history[-1][0] + 1):
            self.history.append(point)
        while self.history and self.history[0][0] < self.history[-1][0] - HISTORY_SECONDS:
            self.history.popleft()

    def pick_token(self) -> str | None:
        """The current token while a viewer still holds it, else any unrejected viewer's."""
        held = {v.token for v in self.viewers} - self.rejected.keys()
        usable = self.token is not None and self.token not in self.rejected
        if usable and (self.token in held or not self.viewers):
            return self.token
        return min(held) if held else None

    def broadcast(self) -> None:
        self.last_broadcast = time.monotonic()
        self.snapshot = message = Message.of(self.state.message())
        for viewer in tuple(self.viewers):
            viewer.deliver(message)
