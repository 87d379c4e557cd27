"""The relay: per process, at most one upstream socket per product, shared by every viewer.

The upstream socket opens with a product's first viewer and closes a grace period after its
last one leaves, so a page reload or a flaky tab does not churn upstream connections. It
authenticates with the token of a current viewer (every subscriber was access-checked with its
own token before it got here) and moves to another viewer's token when upstream rejects one.

Frames are merged into the product's state and serialised once; the same string is handed
directly to each local viewer (``Viewer.deliver`` never blocks). A probe found one channel-layer
message per viewer per frame lost a quarter of the frames at 500 viewers x 10 frames/s, so the
channel layer carries no frames at all: every process runs its own relay with its own upstream
socket (so N processes open at most N sockets per product upstream, and no process ever waits
on another, or on Redis, for a frame), and the layer only carries rare control messages
(sign-out, one per socket of the session that ends).

State is per event loop (in practice: per process), never shared between processes.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import weakref
from urllib.parse import urlencode

from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from livefeed.feed import Feed, Viewer
from livefeed.metrics import METRICS
from livefeed.state import (
    CONNECTING,
    LIVE,
    RECONNECTING,
    STALE,
    ProductState,
    heartbeat_message,
    history_message,
)
from livefeed.tasks import cancel_and_wait

log = logging.getLogger(__name__)
# The websockets client's DEBUG lines include the request line, which carries the token in its
# query: this logger never goes below INFO, whatever LOG_LEVEL says.
upstream_log = logging.getLogger("livefeed.upstream")
upstream_log.setLevel(logging.INFO)

# Close codes / HTTP statuses with which upstream refuses a token.
AUTH_REJECTIONS = {401: 4401, 403: 4403, 4401: 4401, 4403: 4403}


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter: spreads a fleet's reconnects after an outage."""
    return random.uniform(0, min(cap, base * 2**attempt))


def socket_url(product_id: int, token: str) -> str:
    """The upstream socket's URL; the token goes in the query (the contract's only option)."""
    base = settings.VOLTSTORAGE_SOCKET_URL or (
        settings.VOLTSTORAGE_API_URL.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        + "/data/socket"
    )
    return f"{base}?{urlencode({'productId': product_id, 'token': token})}"


class Relay:
    """All feeds of one event loop. Obtain it with ``get_relay()``."""

    def __init__(self) -> None:
        self.feeds: dict[int, Feed] = {}
        self.grace = float(settings.LIVEFEED_GRACE_SECONDS)
        self.backoff_base = float(settings.LIVEFEED_BACKOFF_BASE)
        self.backoff_cap = float(settings.LIVEFEED_BACKOFF_CAP)
        self.stale_after = float(settings.LIVEFEED_STALE_SECONDS)
        self.heartbeat_every = float(settings.LIVEFEED_HEARTBEAT_SECONDS)
        self._ticker: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[None]] = set()

    # -- viewers -------------------------------------------------------------------------
    def subscribe(self, product_id: int, viewer: Viewer) -> None:
        """Add a viewer; it gets the current state at once if there is one."""
        feed = self.feeds.get(product_id)
        if feed is None:
            feed = self.feeds[product_id] = Feed(product_id, ProductState(product_id))
            feed.task = asyncio.create_task(self._upstream(feed), name=f"upstream-{product_id}")
        if feed.expiry is not None:
            feed.expiry.cancel()
            feed.expiry = None
        if viewer.token in feed.rejected:  # upstream already refused this token here
            viewer.reject(feed.rejected[viewer.token])
            return
        feed.viewers.add(viewer)
        METRICS.viewers += 1
        feed.viewer_arrived.set()
        if feed.snapshot is not None:
            viewer.deliver(feed.snapshot)
        if feed.token is not None and feed.pick_token() != feed.token:
            self._switch_token(feed)  # the token in use belonged to a viewer who left
        self._ensure_ticker()

    def unsubscribe(self, product_id: int, viewer: Viewer) -> None:
        """Remove a viewer; the upstream socket closes after the grace period if none is left."""
        feed = self.feeds.get(product_id)
        if feed is None or viewer not in feed.viewers:
            return
        feed.viewers.discard(viewer)
        METRICS.viewers -= 1
        if not feed.viewers:
            loop = asyncio.get_running_loop()
            feed.expiry = loop.call_later(self.grace, self._expire, feed)
        elif feed.pick_token() != feed.token:
            self._switch_token(feed)

    def history_message(self, product_id: int) -> str | None:
        """The product's last 15 minutes of powers, for a joining viewer's chart."""
        feed = self.feeds.get(product_id)
        if feed is None or not feed.history:
            return None
        return history_message(list(feed.history))

    def upstream_count(self) -> int:
        return sum(1 for feed in self.feeds.values() if feed.socket is not None)

    # -- lifecycle -----------------------------------------------------------------------
    def _expire(self, feed: Feed) -> None:
        feed.expiry = None
        if feed.viewers or self.feeds.get(feed.product_id) is not feed:
            return
        del self.feeds[feed.product_id]
        task = asyncio.create_task(self._stop(feed))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _stop(self, feed: Feed) -> None:
        if feed.task is not None:
            await cancel_and_wait(feed.task)
        if not self.feeds and self._ticker is not None:
            ticker, self._ticker = self._ticker, None
            await cancel_and_wait(ticker)

    async def aclose(self) -> None:
        """Stop every feed now (tests and shutdown); viewers are forgotten, not closed."""
        for feed in list(self.feeds.values()):
            if feed.expiry is not None:
                feed.expiry.cancel()
            METRICS.viewers -= len(feed.viewers)
            feed.viewers.clear()
            del self.feeds[feed.product_id]
            await self._stop(feed)
        await asyncio.gather(*self._closing, return_exceptions=True)

    def _switch_token(self, feed: Feed) -> None:
        """Reconnect with a current viewer's token, without showing viewers a reconnect."""
        feed.switching = True
        if feed.socket is not None:
            task = asyncio.create_task(feed.socket.close())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    # -- upstream ------------------------------------------------------------------------
    async def _upstream(self, feed: Feed) -> None:
        attempt = 0
        while True:
            token = feed.pick_token()
            if token is None:  # every viewer's token was refused: wait for a new viewer
                feed.viewer_arrived.clear()
                await feed.viewer_arrived.wait()
                continue
            feed.token, feed.switching = token, False
            code: int | None = None
            try:
                async with connect(
                    socket_url(feed.product_id, token),
                    open_timeout=10,
                    ping_interval=10,
                    ping_timeout=10,
                    close_timeout=2,
                    logger=upstream_log,
                ) as ws:
                    feed.socket = ws
                    METRICS.upstream_sockets_open += 1
                    try:
                        if feed.pick_token() != token:  # a switch was asked for while connecting
                            await ws.close()
                        async for raw in ws:
                            METRICS.frames_in_total += 1
                            if feed.state.apply(raw):
                                feed.last_frame = time.monotonic()
                                feed.remember()
                                attempt = 0
                                feed.broadcast()
                    finally:
                        feed.socket = None
                        METRICS.upstream_sockets_open -= 1
            except InvalidStatus as exc:
                code = exc.response.status_code
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd is not None else None
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                log.info("upstream socket of product %s failed: %s", feed.product_id, type(exc))
            except Exception as exc:
                # Never log the exception's text: some (InvalidURI) quote the URL with the token.
                log.warning("upstream socket of product %s: %s", feed.product_id, type(exc))
            if code in AUTH_REJECTIONS:
                self._reject_token(feed, token, AUTH_REJECTIONS[code])
                continue
            if feed.switching:
                continue
            METRICS.upstream_reconnects_total += 1
            if feed.state.connection != RECONNECTING:
                feed.state.connection = RECONNECTING
                feed.broadcast()
            await asyncio.sleep(backoff_delay(attempt, self.backoff_base, self.backoff_cap))
            attempt += 1

    def _reject_token(self, feed: Feed, token: str, code: int) -> None:
        """Upstream refused ``token``: its viewers may not see this product any more."""
        METRICS.upstream_auth_failures_total += 1
        log.warning("upstream refused a viewer's token for product %s", feed.product_id)
        feed.rejected[token] = code
        for viewer in [v for v in feed.viewers if v.token == token]:
            viewer.reject(code)

    # -- heartbeat and staleness ---------------------------------------------------------
    def _ensure_ticker(self) -> None:
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.create_task(self._tick(), name="livefeed-ticker")

    async def _tick(self) -> None:
        """Marks silent feeds stale and sends a heartbeat, one string for all, to every viewer
        of a feed that sent no state since the last tick (a state proves the socket alive just
        as well: at 10 frames/s, heartbeats were 5 % of all messages for nothing)."""
        while True:
            await asyncio.sleep(self.heartbeat_every)
            now = time.monotonic()
            beat = heartbeat_message()
            for feed in tuple(self.feeds.values()):
                silent = feed.socket is not None and now - feed.last_frame > self.stale_after
                if silent and feed.state.connection in (LIVE, CONNECTING, RECONNECTING):
                    feed.state.connection = STALE
                    feed.broadcast()
                quiet = now - feed.last_broadcast >= self.heartbeat_every
                for viewer in tuple(feed.viewers):
                    viewer.heartbeat(beat if quiet else None)


_relays: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Relay] = weakref.WeakKeyDictionary()


def get_relay() -> Relay:
    """This event loop's relay (one per server process; one per test loop in tests)."""
    loop = asyncio.get_running_loop()
    relay = _relays.get(loop)
    if relay is None:
        relay = _relays[loop] = Relay()
    return relay
