"""Browser-facing WebSocket routes (full paths), each wrapped with origin and session checks.

``AllowedHostsOriginValidator`` refuses pages of other sites (a WebSocket is not covered by
CORS); the consumer reads the viewer's server-side session from its cookie itself
(``livefeed.consumers.scope_session``).
"""

from __future__ import annotations

from typing import Any

from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from livefeed.consumers import LiveConsumer

websocket_urlpatterns: list[Any] = [
    path(
        "ws/products/<int:product_id>/",
        AllowedHostsOriginValidator(LiveConsumer.as_asgi()),
        name="live-product",
    ),
]
