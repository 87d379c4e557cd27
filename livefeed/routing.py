"""Browser-facing WebSocket routes (full paths), each wrapped with origin and session checks."""

from __future__ import annotations

from typing import Any

websocket_urlpatterns: list[Any] = []
