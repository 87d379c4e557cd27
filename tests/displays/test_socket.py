"""The wall's socket: the display's secret instead of a session, and only its own products."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator

from tests.livefeed.conftest import ORIGIN, _committed, next_message

pytestmark = pytest.mark.asyncio


def wall_socket(secret: str, product_id: int, origin: tuple | None = ORIGIN):
    from dashboard.asgi import application

    headers = [origin] if origin else []
    return WebsocketCommunicator(application, f"/ws/wall/{secret}/{product_id}/", headers=headers)


async def closed_with(communicator: WebsocketCommunicator) -> int:
    connected, _ = await communicator.connect(timeout=30)
    assert connected  # accepted first, so the refusal carries a close code the page reads
    message = await communicator.receive_output(timeout=30)
    assert message["type"] == "websocket.close"
    # Wait for the consumer to finish: left running, its channel-layer read outlives the test,
    # and on the Redis layer the event loop's teardown then waits on it.
    await communicator.disconnect(timeout=30)
    return message["code"]


async def test_display_products_only(make_display, upstream, fleet_token):
    secret, _ = make_display([1, 2], token=fleet_token)
    allowed = wall_socket(secret, 2)
    assert (await allowed.connect(timeout=30))[0]
    state = await next_message(allowed, timeout=30)
    assert state["product"] == 2 and state["data"]["stateOfCharge"] == 0.55
    await allowed.disconnect()
    # Product 3 is visible to the display's account, but not part of the display.
    assert await closed_with(wall_socket(secret, 3)) == 4403


async def test_unknown_and_revoked_links_are_refused(make_display, upstream, fleet_token):
    from channels.layers import get_channel_layer
    from django.utils import timezone

    from displays.models import Display
    from displays.views import display_group

    assert await closed_with(wall_socket("no-such-secret", 1)) == 4404
    secret, pk = make_display([1], token=fleet_token)
    live = wall_socket(secret, 1)
    assert (await live.connect(timeout=30))[0]
    await next_message(live, timeout=30)
    _committed(lambda: Display.objects.filter(pk=pk).update(revoked_at=timezone.now()))
    await get_channel_layer().group_send(display_group(pk), {"type": "display.revoked"})
    message = await live.receive_output(timeout=30)
    while message["type"] != "websocket.close":
        message = await live.receive_output(timeout=30)
    assert message["code"] == 4404
    await live.disconnect(timeout=30)
    assert await closed_with(wall_socket(secret, 1)) == 4404


async def test_other_sites_are_refused(make_display, upstream, fleet_token):
    secret, _ = make_display([1], token=fleet_token)
    foreign = wall_socket(secret, 1, origin=(b"origin", b"https://evil.example"))
    connected, _ = await foreign.connect(timeout=30)
    assert not connected
    await foreign.disconnect(timeout=30)


async def test_refused_token_marks_the_display(make_display, upstream, server):
    from displays.models import Display

    secret, pk = make_display([1], token="eyJhbGciOiJIUzI1NiJ9.e30.forged")
    assert await closed_with(wall_socket(secret, 1)) == 4401
    assert _committed(lambda: Display.objects.get(pk=pk).needs_renewal)


async def test_renewing_closes_the_walls_sockets_so_they_reconnect_with_the_new_token(
    make_display, upstream, fleet_token
):
    """The renew view's message: each open wall socket ends with 4012 (not final: the wall
    reconnects at once, and the new socket reads the token now stored)."""
    from channels.layers import get_channel_layer

    from displays.consumers import RENEWED
    from displays.views import display_group

    secret, pk = make_display([1], token=fleet_token)
    live = wall_socket(secret, 1)
    assert (await live.connect(timeout=30))[0]
    await next_message(live, timeout=30)
    await get_channel_layer().group_send(display_group(pk), {"type": "display.renewed"})
    message = await live.receive_output(timeout=30)
    while message["type"] != "websocket.close":
        message = await live.receive_output(timeout=30)
    assert message["code"] == RENEWED == 4012
    await live.disconnect(timeout=30)
    again = wall_socket(secret, 1)
    assert (await again.connect(timeout=30))[0]
    assert (await next_message(again, timeout=30))["product"] == 1
    await again.disconnect(timeout=30)
