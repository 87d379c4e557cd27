"""The upstream socket through the real ASGI application: auth, frames equal to the export,
and the emulator's knob that drops every socket."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from dashboard.asgi import application
from emulator import consumers, schedule, simulation
from emulator.auth import issue_token
from emulator.models import User
from emulator.site import Site
from tests.emulator.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, scope="module")
def _live_server_first(server):
    """Start the session's live server before these tests: it is forked, and a child forked after
    the async tests have run (asgiref's executor threads, event loops) drops every connection,
    which broke the live tests that came after this module."""


@pytest.fixture(autouse=True)
def _fast_ticks(monkeypatch):
    # The consumer looks at the (frozen) clock every tick; tests move the clock instead.
    monkeypatch.setattr(consumers, "TICK_SECONDS", 0.005)


@pytest.fixture
def owner1_jwt(fleet) -> str:
    return issue_token(User.objects.get(email="owner1@example.com"), 3600, now=NOW)


@pytest.fixture
def fleet_jwt(fleet) -> str:
    return issue_token(User.objects.get(email="fleet@example.com"), 3600, now=NOW)


def _communicator(product_id: int | str, token: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application, f"/rest/data/socket?productId={product_id}&token={token}"
    )


@pytest.fixture
def flaky(fleet) -> tuple[Site, int]:
    """A flaky product and the start of its next offline window after NOW."""
    for product in fleet:
        site = Site.from_product(product)
        if product.sim_offline_rate < 0.5 or site.installed_at is None or product.sim_offline_since:
            continue
        block = int(NOW // schedule.OFFLINE_BLOCK)
        for b in range(block, block + 20):
            window = schedule._offline_window(site, b)
            if window and window[0] > NOW and schedule.is_online(site, window[0] - 3):
                return site, window[0]
    raise AssertionError("no flaky product in the seeded fleet")


@pytest.fixture
def owner_jwt(fleet, flaky) -> str:
    """A token of the flaky product's owner."""
    user = User.objects.filter(owner__groups__products__id=flaky[0].product_id).first()
    return issue_token(user, 10**6, now=NOW)


async def _close_code(communicator: WebsocketCommunicator) -> int:
    connected, _ = await communicator.connect()
    assert connected
    message = await communicator.receive_output(timeout=2)
    await communicator.disconnect()
    return message["code"]


async def _json(communicator: WebsocketCommunicator) -> dict:
    return json.loads(await communicator.receive_from(timeout=2))


async def test_a_bad_token_is_closed_with_4401(product, now):
    assert await _close_code(_communicator(product.id, "junk")) == 4401


async def test_a_foreign_or_unknown_product_is_closed_with_4403(foreign_product, owner1_jwt, now):
    assert await _close_code(_communicator(foreign_product.id, owner1_jwt)) == 4403
    assert await _close_code(_communicator(999_999, owner1_jwt)) == 4403


async def test_frames_equal_the_export_at_the_same_instants(product, owner1_jwt, time_machine, now):
    site = Site.from_product(product)
    communicator = _communicator(product.id, owner1_jwt)
    connected, _ = await communicator.connect()
    assert connected
    first = await _json(communicator)
    assert first["type"] == "latest-data"
    assert set(first["data"]) == set(simulation.FIELDS)
    assert (first["time"], first["data"]) == simulation.latest(site, NOW)
    state = await _json(communicator)
    assert state["type"] == "product" and state["data"]["online"] is True

    # What the export gives for the next 15 seconds, grouped by the second they fall in.
    seconds = 15
    expected: list[list[dict]] = [[] for _ in range(seconds)]
    for chunk in simulation.iter_reports(site, NOW, NOW + seconds, now=NOW + seconds):
        for i, t in enumerate(chunk.times):
            data = {
                f: simulation.json_value(f, v[i])
                for f, v in chunk.values.items()
                if np.isfinite(v[i])
            }
            expected[int(t - NOW)].append({"type": "latest-data", "time": t, "data": data})
    assert sum(map(len, expected)) >= 10
    for k in range(seconds):
        time_machine.shift(1)
        # A timeout would cancel the application, so receive exactly what is expected.
        got = [await _json(communicator) for _ in expected[k]]
        assert got == expected[k]
    assert await communicator.receive_nothing(timeout=0.05)
    await communicator.disconnect()


async def test_the_emulator_can_drop_every_open_socket(product, fleet_jwt, now):
    communicator = _communicator(product.id, fleet_jwt)
    connected, _ = await communicator.connect()
    assert connected
    assert (await _json(communicator))["type"] == "latest-data"
    assert (await _json(communicator))["type"] == "product"
    assert await consumers.close_all() == 1
    message = await communicator.receive_output(timeout=2)
    assert message == {"type": "websocket.close", "code": consumers.DROP_CODE}
    await communicator.disconnect()
    assert await consumers.close_all() == 0


def test_drop_sockets_needs_the_fleet_wide_account(client, fleet_auth, owner1_auth):
    assert client.post("/rest/emulator/drop-sockets").status_code == 401
    assert client.post("/rest/emulator/drop-sockets", **owner1_auth).status_code == 403
    assert client.get("/rest/emulator/drop-sockets", **fleet_auth).status_code == 405
    response = client.post("/rest/emulator/drop-sockets", **fleet_auth)
    assert response.status_code == 200 and response.json() == {"closed": 0}


async def test_going_offline_sends_a_product_frame_and_then_silence(flaky, owner_jwt, time_machine):
    site, window_start = flaky
    time_machine.move_to(window_start - 2.5, tick=False)
    communicator = _communicator(site.product_id, owner_jwt)
    connected, _ = await communicator.connect()
    assert connected
    assert (await _json(communicator))["type"] == "latest-data"
    assert (await _json(communicator))["data"]["online"] is True
    expected = []
    for chunk in simulation.iter_reports(site, window_start - 2.5, window_start + 3, now=2e9):
        expected.extend(float(t) for t in chunk.times)
    assert expected and max(expected) < window_start
    for _ in range(3):
        time_machine.shift(1)
    frames = [await _json(communicator) for _ in range(len(expected) + 1)]
    offline = [f for f in frames if f["type"] == "product"]
    assert [f["data"]["online"] for f in offline] == [False]
    assert [f["time"] for f in frames if f["type"] == "latest-data"] == expected
    for _ in range(5):
        time_machine.shift(1)
        assert await communicator.receive_nothing(timeout=0.03)
    await communicator.disconnect()


async def test_an_online_product_sends_a_frame_every_second_at_night(fleet, time_machine):
    night = 1_796_175_000  # 2026-12-01T02:30:00Z, 03:30 in Berlin: no sun, batteries idle
    time_machine.move_to(night, tick=False)
    site = next(
        s
        for s in map(Site.from_product, fleet)
        if s.installed_at is not None and schedule.online_mask(s, night + np.arange(-5, 30)).all()
    )
    user = await database_sync_to_async(User.objects.get)(email="fleet@example.com")
    communicator = _communicator(site.product_id, issue_token(user, 3600, now=night))
    connected, _ = await communicator.connect()
    assert connected
    assert (await _json(communicator))["type"] == "latest-data"
    assert (await _json(communicator))["type"] == "product"
    for _ in range(20):
        time_machine.shift(1)
        frame = await _json(communicator)  # within 2 s of wall time, or the test fails
        assert frame["type"] == "latest-data" and night < frame["time"] <= time.time()
    await communicator.disconnect()
