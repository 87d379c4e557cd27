"""WebSocket routes of the one server: the emulator's upstream socket (token checked by the
emulator itself, like the real cloud) and the browser feed (each app wraps its own routes with
the origin and session checks it needs)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from channels.routing import URLRouter


def websocket_application(emulator_enabled: bool) -> Any:
    from livefeed.routing import websocket_urlpatterns as live_routes

    routes: list[Any] = list(live_routes)
    routes.extend(import_module("displays.routing").websocket_urlpatterns)  # the wall's socket
    if emulator_enabled:
        from emulator.routing import websocket_urlpatterns as emulator_routes

        routes.extend(emulator_routes)
    return URLRouter(routes)
