"""The wall's WebSocket route, wrapped with the same origin check as the live feed's."""

from __future__ import annotations

from typing import Any

from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from displays.consumers import DisplayConsumer

websocket_urlpatterns: list[Any] = [
    path(
        "ws/wall/<str:secret>/<int:product_id>/",
        AllowedHostsOriginValidator(DisplayConsumer.as_asgi()),
        name="live-wall",
    ),
]
