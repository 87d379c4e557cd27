"""Browser-facing WebSocket routes (full paths), each wrapped with origin and session checks.

``AllowedHostsOriginValidator`` refuses pages of other sites (a WebSocket is not covered by
CORS); the session middleware gives the consumer the viewer's server-side session.
"""

from __future__ import annotations

from typing import Any

from channels.security.websocket import AllowedHostsOriginValidator
from channels.sessions import SessionMiddlewareStack
from django.urls import path

from livefeed.consumers import LiveConsumer

websocket_urlpatterns: list[Any] = [
    path(
        "ws/products/<int:product_id>/",
        AllowedHostsOriginValidator(SessionMiddlewareStack(LiveConsumer.as_asgi())),
        name="live-product",
    ),
]
