"""The relay against the real emulator over a real socket: values move, drops are survived."""

from __future__ import annotations

import httpx
import pytest

from livefeed.relay import get_relay
from tests.conftest import OWNER1, steady_online
from tests.livefeed.conftest import connected, eventually, next_message, viewer

# s: the bound on an event from the real emulator on a busy machine (it sends a frame a second
# at any hour); a bound, not a measure of speed.
WAIT = 30


@pytest.fixture(scope="module")
def online_product(server, seeded_products, django_db_blocker) -> int:
    """An installed owner-1 product that stays online through this module's tests, so the
    emulator streams it."""
    from emulator.models import User

    with django_db_blocker.unblock():
        owner_id = User.objects.get(email=OWNER1.email).owner_id
    mine = [p for p in seeded_products if p.group.owner_id == owner_id]
    return steady_online(mine)[0].id


def _drop_sockets(server, fleet_token) -> int:
    response = httpx.post(
        f"{server.api_url}/emulator/drop-sockets",
        headers={"Authorization": f"Bearer {fleet_token}"},
    )
    response.raise_for_status()
    return response.json()["closed"]


async def test_a_viewer_sees_the_emulators_values_change(
    db_open, relay_cleanup, make_session, owner1_token, online_product
):
    async with connected(viewer(online_product, make_session(owner1_token))) as browser:
        first = await next_message(browser, timeout=WAIT)
        assert first["connection"] == "live"
        assert {"pvPower", "householdPower", "gridPower", "stateOfCharge"} <= first["data"].keys()
        later = await next_message(browser, lambda m: m["time"] != first["time"], timeout=WAIT)
        assert later["time"] > first["time"]
        assert later["data"].keys() >= first["data"].keys()  # deltas merged, nothing lost


async def test_after_the_emulator_drops_its_sockets_viewers_reconnect_over_one_socket(
    server, db_open, relay_cleanup, make_session, owner1_token, fleet_token, online_product
):
    async with (
        connected(viewer(online_product, make_session(owner1_token))) as one,
        connected(viewer(online_product, make_session(fleet_token))) as two,
    ):
        await next_message(one, timeout=WAIT)
        await next_message(two, timeout=WAIT)
        closed = await _in_thread(_drop_sockets, server, fleet_token)
        assert closed >= 1
        for browser in (one, two):
            await next_message(browser, lambda m: m["connection"] == "reconnecting", timeout=WAIT)
        for browser in (one, two):
            await next_message(browser, lambda m: m["connection"] == "live", timeout=WAIT)
        relay = get_relay()
        await eventually(lambda: relay.upstream_count() == 1)
        assert list(relay.feeds) == [online_product]


async def _in_thread(fn, *args):
    from asgiref.sync import sync_to_async

    return await sync_to_async(fn, thread_sensitive=False)(*args)
