"""The live socket refuses a session that is over by the dashboard's own rules (idle timeout,
absolute lifetime), as the pages do, even while its upstream token is still valid."""

from __future__ import annotations

import time

import time_machine
from django.conf import settings
from django.test.utils import override_settings

from tests.livefeed.conftest import connected, next_message, viewer


async def _close_code(communicator) -> int:
    accepted, _ = await communicator.connect()
    assert accepted
    message = await communicator.receive_output(timeout=3)
    await communicator.disconnect()
    assert message["type"] == "websocket.close", message
    return message["code"]


async def test_a_session_idle_too_long_is_refused_with_4401(
    upstream, make_session, owner1_token, owner1_products
):
    product = owner1_products[0]
    key = make_session(owner1_token)
    async with connected(viewer(product, key)) as browser:  # alive: it gets the feed
        assert (await next_message(browser))["connection"] == "live"
    with time_machine.travel(time.time() + settings.SESSION_IDLE_TIMEOUT + 1):
        assert await _close_code(viewer(product, key)) == 4401
    assert upstream.connects.total() == 1  # only the live viewer's


async def test_a_session_past_its_absolute_lifetime_is_refused_with_4401(
    upstream, make_session, owner1_token, owner1_products
):
    key = make_session(owner1_token)
    with (
        override_settings(SESSION_ABSOLUTE_LIFETIME=3600, SESSION_IDLE_TIMEOUT=7200),
        time_machine.travel(time.time() + 3601),
    ):
        assert await _close_code(viewer(owner1_products[0], key)) == 4401
    assert upstream.connects.total() == 0
