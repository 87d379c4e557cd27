"""The emulated upstream WebSocket (``/rest/data/socket``).

No origin validator: this is an API for servers and scripts, authenticated by its token, like
the real cloud's socket.
"""

from __future__ import annotations

from typing import Any

from django.urls import path

from emulator.consumers import DataSocket

websocket_urlpatterns: list[Any] = [
    path("rest/data/socket", DataSocket.as_asgi()),
]
