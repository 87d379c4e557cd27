"""The upstream socket through the real ASGI application: auth, frames equal to the export,
and the emulator's knob that drops every socket."""

from __future__ import annotations

import json

import numpy as np
import pytest
from channels.testing import WebsocketCommunicator

from dashboard.asgi import application
from emulator import consumers, simulation
from emulator.auth import issue_token
from emulator.models import User
from emulator.site import Site
from tests.emulator.conftest import NOW

pytestmark = pytest.mark.django_db


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
