"""ASGI entry point: HTTP through Django, WebSockets through Channels routing.

The emulator's upstream socket and the dashboard's browser socket share one server, so the
demo needs a single process.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from channels.routing import ProtocolTypeRouter
from django.conf import settings
from django.core.asgi import get_asgi_application
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

django_asgi_app = get_asgi_application()

from dashboard import heap  # noqa: E402
from dashboard.health import HealthEndpoints  # noqa: E402
from dashboard.logs import RequestIds  # noqa: E402
from dashboard.routing import websocket_application  # noqa: E402

# Outermost: the request id (for every log line), which must see the direct peer, so before
# the proxy headers (X-Forwarded-For/-Proto of our own proxies, what uvicorn would otherwise
# apply first); then the health probes, before Django.
application = RequestIds(
    ProxyHeadersMiddleware(
        HealthEndpoints(
            ProtocolTypeRouter(
                {
                    "http": django_asgi_app,
                    "websocket": websocket_application(settings.EMULATOR_ENABLED),
                }
            )
        ),
        # Only TRUSTED_PROXIES: left empty, no peer's X-Forwarded-For is believed, not even a
        # local one (uvicorn's own default would trust 127.0.0.1 behind our backs).
        trusted_hosts=list(settings.TRUSTED_PROXIES),
    )
)
heap.settle()  # the loaded app stays out of every later collection (see dashboard/heap.py)
