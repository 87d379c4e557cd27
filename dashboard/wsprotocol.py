"""uvicorn's WebSocket protocol plus one ASGI extension: writing a frame encoded once for many.

The live feed sends the same state message to every viewer of a product. Through the ASGI
``websocket.send`` event, each of those sends is its own coroutine, its own WebSocket frame
encoding (the ``websockets`` library, in Python) and its own write, per viewer and frame: the
largest share of the fan-out's CPU (figures: README, "Live feed"). A server-to-browser text
frame without compression is the same bytes for every socket, so the live feed encodes it once
(``livefeed.wire.encode_text_frame``) and hands those bytes to each socket's ``write``, offered
in the scope as ``scope["extensions"][WRITE_FRAME]["write"]``.

``write(frame) -> bool`` writes at once and says True, or writes nothing and says False when
the socket cannot take a pre-encoded frame right now: not open (closing, closed), its write
buffer full (back-pressure, where the caller must wait: the ordinary ASGI send waits), or a
compression extension negotiated (frames are then compressed per socket, with its own
context). False always means "use the ordinary ``websocket.send``", which handles each of
those cases as before. An app served without this protocol (``runserver``, the test suite's
in-process communicators) finds no extension and uses ``websocket.send`` throughout.

This relies on attributes of uvicorn's ``WebSocketsSansIOProtocol`` (``conn``, ``transport``,
``writable``, ``close_sent``, ``disconnected``); a test serves the app and checks that frames
go this way and arrive intact, so an upgrade that moves them fails CI rather than production.
"""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

from livefeed.wire import WRITE_FRAME


class FanoutWebSocketProtocol(WebSocketsSansIOProtocol):
    """Served by ``python -m dashboard.serve`` (``ws=`` in ``dashboard.serve.options``)."""

    async def run_asgi(self) -> None:
        # The app's task: the scope exists (the handshake was accepted), the app has not run.
        self.scope["extensions"][WRITE_FRAME] = {"write": self.write_frame}
        await super().run_asgi()

    def write_frame(self, frame: bytes) -> bool:
        """Write a pre-encoded frame now (True), or nothing (False: use ``websocket.send``)."""
        if (
            self.close_sent
            or self.disconnected
            or not self.writable.is_set()
            or self.conn.state is not State.OPEN
            or self.conn.extensions
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True
