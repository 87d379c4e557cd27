"""The browser's live socket ``/ws/products/<id>/``: a signed-in viewer subscribes to a product.

The consumer stays thin: it checks who is asking (session token, then upstream access with that
token), hands itself to the relay, and passes on what the relay gives it. A frame's way, in
the order the code runs: ``relay.Relay._upstream`` receives it and merges it into the
product's state, ``feed.Feed.broadcast`` builds the browser message once and calls each
viewer's ``deliver`` (below), which puts it into the viewer's ``mailbox.Mailbox``; the mailbox
writes it to the socket at once, or queues it for the viewer's writer task (one state, one
heartbeat at most beyond the queue, so a viewer that cannot keep up skips to the newest state).
A browser that stops answering heartbeats is closed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http.cookie import parse_cookie

from livefeed.access import ALLOWED, UNAUTHORISED, check_access, forget_access
from livefeed.mailbox import Mailbox
from livefeed.relay import get_relay
from livefeed.state import Message
from livefeed.tasks import cancel_and_wait
from livefeed.wire import frame_writer
from signin.auth import asession_outlived, asession_token, session_store

GONE_QUIET = 4408  # the browser stopped answering heartbeats (or could not keep up)
LAYER_RETRY_FIRST = 0.5  # seconds before retrying a failed channel-layer read, doubling
LAYER_RETRY_CAP = 8.0

# What an unreachable Redis raises (refused, reset, timed out); anything else is a bug and ends
# the consumer as before.
try:
    from redis.exceptions import RedisError as _RedisError
except ImportError:  # pragma: no cover - redis comes with channels-redis
    _RedisError = OSError
LAYER_DOWN = (OSError, _RedisError)

log = logging.getLogger(__name__)
_warned_at = 0.0  # one warning per 10 s per process, not one per socket, while Redis is down


def _warn_layer_down(error: Exception) -> None:
    global _warned_at
    now = time.monotonic()
    if now - _warned_at >= 10:
        _warned_at = now
        log.warning("livefeed: channel layer unavailable (%s: %s)", type(error).__name__, error)


def scope_session(scope: dict[str, Any]) -> SessionBase | None:
    """The viewer's server-side session, from the socket's cookie, for reading only.

    Channels' ``SessionMiddlewareStack`` would do the same, but it also wraps every ``send`` to
    save the session and set cookies, which a socket never needs after its handshake: that
    wrapper was a quarter of the fan-out's CPU per frame.
    """
    cookies = b"; ".join(value for name, value in scope.get("headers", ()) if name == b"cookie")
    key = parse_cookie(cookies.decode("latin-1")).get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    return session_store(key)


def session_group(session_key: str) -> str:
    """The channel-layer group of one session's sockets (hashed: group names end up in Redis)."""
    return "livefeed.session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


async def close_session_sockets(sender: Any, session_key: str, **kwargs: Any) -> None:
    """``signed_out`` receiver: close that session's sockets in every process."""
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(session_group(session_key), {"type": "session.ended"})


class LiveConsumer(AsyncWebsocketConsumer):
    """One viewer's socket.

    Frames never cross the channel layer (Redis in production); only control messages do (a
    sign-out). So a Redis outage must cost a viewer nothing but those messages: a failed layer
    read is retried with backoff instead of ending the consumer (Channels would close the
    socket), and the socket re-joins its group when the layer answers again and every
    ``LIVEFEED_GROUP_REFRESH`` seconds, because a restarted Redis has forgotten the group.
    """

    token: str = ""
    product_id: int | None = None
    group: str | None = None
    _layer_receive: Any = None
    _joined_at: float = 0.0  # monotonic time of the last successful group_add, 0: not joined
    _joiner: asyncio.Task[None] | None = None

    @property
    def channel_receive(self) -> Any:
        """What Channels' ``__call__`` awaits for layer messages: the retrying read below."""
        return self._receive_from_layer

    @channel_receive.setter
    def channel_receive(self, receive: Any) -> None:
        self._layer_receive = receive

    async def connect(self) -> None:
        self._mailbox = Mailbox(
            self._send_text, settings.LIVEFEED_VIEWER_QUEUE, frame_writer(self.scope)
        )
        self._writer: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None
        self.last_seen = time.monotonic()
        requested = int(self.scope["url_route"]["kwargs"]["product_id"])
        viewer = await self.credentials(requested)
        # Accept first so the refusal can carry a close code the page understands.
        await self.accept()
        if isinstance(viewer, int):
            await self.close(code=viewer)
            return
        token, group = viewer
        verdict = await check_access(token, requested)
        if verdict != ALLOWED:
            await self.close(code=verdict)
            return
        self.token = token
        self.group = group
        await self._join()  # Redis down: the viewer still gets frames, the refresh joins later
        relay = get_relay()
        history = relay.history_message(requested)
        if history is not None:  # before any state, so the chart starts full
            await self.send(text_data=history)
        self._writer = asyncio.create_task(self._mailbox.run())
        self.product_id = requested
        relay.subscribe(requested, self)

    async def credentials(self, product_id: int) -> tuple[str, str] | int:
        """The viewer's upstream token and the channel-layer group that ends its sockets, or the
        close code to refuse it with. The extension point for sockets that authenticate
        otherwise than by session (a wall display's link: ``displays.consumers``)."""
        session = scope_session(self.scope)
        token = await asession_token(session) if session is not None else None
        if session is None or token is None:
            return UNAUTHORISED
        if await asession_outlived(session, touch=False):  # idle or too old: sign in again
            return UNAUTHORISED
        return token, session_group(session.session_key)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Pongs skip Channels' ``aclose_old_connections``: it hops to a thread before every
        handler to close stale database connections, and a pong touches no database. With a
        pong from every viewer every 5 s, those hops would cost the server more CPU than
        writing the frames does (README, "Live feed")."""
        if message["type"] == "websocket.receive":
            await self.websocket_receive(message)
        else:
            await super().dispatch(message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Any message proves the browser alive (the page pongs every 5 s, on a state or on a
        heartbeat, whichever comes)."""
        self.last_seen = time.monotonic()

    async def disconnect(self, code: int) -> None:
        self._leave()
        if self.group is not None:
            group, self.group = self.group, None
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except LAYER_DOWN as error:  # Redis down: the membership expires there by itself
                _warn_layer_down(error)
        for task in (self._writer, self._closer, self._joiner):
            if task is not None and task is not asyncio.current_task():
                await cancel_and_wait(task)

    async def session_ended(self, event: dict[str, Any]) -> None:
        """The session signed out (in any process): stop at once."""
        self._leave()
        await self.close(code=UNAUTHORISED)

    # -- called by the relay (synchronous, must not block) -------------------------------
    def deliver(self, message: Message) -> None:
        self._mailbox.put(message)

    def heartbeat(self, message: Message | None) -> None:
        now = time.monotonic()
        if now - self.last_seen > settings.LIVEFEED_VIEWER_TIMEOUT:
            self._close_soon(GONE_QUIET)
            return
        if (
            self.group is not None
            and now - self._joined_at > settings.LIVEFEED_GROUP_REFRESH
            and (self._joiner is None or self._joiner.done())
        ):
            self._joiner = asyncio.create_task(self._join())
        if message is not None:
            self._mailbox.put_heartbeat(message)

    def reject(self, code: int) -> None:
        self._close_soon(code, forget=True)

    # -- internals -----------------------------------------------------------------------
    async def _join(self) -> bool:
        """Join (or re-join) the group that ends this socket; False while the layer is down."""
        group = self.group
        if group is None or self.channel_layer is None:
            return False
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except LAYER_DOWN as error:
            self._joined_at = 0.0
            _warn_layer_down(error)
            return False
        # Jitter spreads the refreshes of sockets that joined together.
        self._joined_at = time.monotonic() - random.uniform(0, settings.LIVEFEED_GROUP_REFRESH / 4)
        return True

    async def _receive_from_layer(self) -> dict[str, Any]:
        delay = LAYER_RETRY_FIRST
        failed = False
        while True:
            try:
                if failed and self.group is not None and not await self._join():
                    raise ConnectionError("channel layer still unavailable")
                return await self._layer_receive()
            except LAYER_DOWN as error:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    # Cancelled (the socket closed) while the read failed: the failure must
                    # not swallow the cancellation, or the task would retry forever.
                    raise asyncio.CancelledError from error
                _warn_layer_down(error)
                failed = True
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                delay = min(delay * 2, LAYER_RETRY_CAP)

    def _leave(self) -> None:
        if self.product_id is not None:
            get_relay().unsubscribe(self.product_id, self)
            self.product_id = None

    def _close_soon(self, code: int, forget: bool = False) -> None:
        product_id = self.product_id
        self._leave()
        if self._closer is None:
            self._closer = asyncio.create_task(self._close(code, product_id if forget else None))

    async def _close(self, code: int, forget_product: int | None) -> None:
        if forget_product is not None:
            await forget_access(self.token, forget_product)
        await self.close(code=code)

    async def _send_text(self, text: str) -> None:
        await self.send(text_data=text)
