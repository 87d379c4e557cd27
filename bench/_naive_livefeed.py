"""The naive fan-out the live feed is measured against (benchmark only, never served).

One upstream socket per product like ours, but every frame goes through one channel-layer
``group_send`` to every viewer's consumer: the design a probe found losing frames and lagging
at 500 viewers x 10 frames/s. Serve with
``python -m dashboard.serve --app bench._naive_livefeed:application``.

Also the server floor (``--app bench._naive_livefeed:floor_application``): the least any relay
served by that server can do per message. A bare ASGI app, no Channels, no session, no
parsing: each upstream frame is passed as received to the raw ASGI ``send`` of every viewer of
its product. Whatever latency it shows over the bare ``websockets`` server is the cost of the
server stack, not of the live feed's code (the benchmark also serves it with daphne).
"""

from __future__ import annotations

import asyncio
import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

import django

django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

_upstreams: dict[int, asyncio.Task[None]] = {}


async def _relay(product_id: int) -> None:
    layer = get_channel_layer()
    url = f"{settings.VOLTSTORAGE_SOCKET_URL}?productId={product_id}&token=naive"
    async with connect(url) as ws:
        async for raw in ws:
            await layer.group_send(f"product-{product_id}", {"type": "frame", "text": raw})


class NaiveConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.product_id = int(self.scope["url_route"]["kwargs"]["product_id"])
        await self.channel_layer.group_add(f"product-{self.product_id}", self.channel_name)
        await self.accept()
        if self.product_id not in _upstreams:
            _upstreams[self.product_id] = asyncio.create_task(_relay(self.product_id))

    async def frame(self, event: dict) -> None:
        await self.send(text_data=event["text"])

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(f"product-{self.product_id}", self.channel_name)


_floor_viewers: dict[int, set] = {}
_floor_upstreams: dict[int, asyncio.Task[None]] = {}


async def _floor_relay(product_id: int) -> None:
    url = f"{settings.VOLTSTORAGE_SOCKET_URL}?productId={product_id}&token=floor"
    async with connect(url) as ws:
        async for raw in ws:
            for send in tuple(_floor_viewers[product_id]):
                await send({"type": "websocket.send", "text": raw})


async def floor_application(scope: dict, receive, send) -> None:
    """Raw ASGI: accept, join the product's viewers, and leave on disconnect."""
    if scope["type"] != "websocket":
        return
    product_id = int(scope["path"].strip("/").split("/")[-1])
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    if not _floor_viewers:  # like the live feed's relay: keep the loaded app out of the GC
        gc.collect()
        gc.freeze()
    viewers = _floor_viewers.setdefault(product_id, set())
    viewers.add(send)
    if product_id not in _floor_upstreams:
        _floor_upstreams[product_id] = asyncio.create_task(_floor_relay(product_id))
    try:
        while (await receive())["type"] != "websocket.disconnect":
            pass
    finally:
        viewers.discard(send)


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/products/<int:product_id>/", NaiveConsumer.as_asgi())])}
)
