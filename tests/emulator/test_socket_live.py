"""End to end: the real server serves the upstream socket and a real WebSocket client sees a
live product tick (real time: about a second at any hour, waited for with a generous bound)."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from emulator import simulation
from emulator.site import Site
from tests.conftest import steady_online

pytestmark = pytest.mark.django_db
WAIT = 30  # s: an event's bound on a busy machine, not a measure of speed


def test_a_websocket_client_sees_a_live_product_tick(server, fleet_token, seeded_products):
    site = Site.from_product(steady_online(seeded_products)[0])
    url = f"{server.ws_url}/rest/data/socket?productId={site.product_id}&token={fleet_token}"
    with connect(url, open_timeout=WAIT) as ws:
        first = json.loads(ws.recv(timeout=WAIT))
        assert first["type"] == "latest-data"
        assert set(first["data"]) == set(simulation.FIELDS)
        assert json.loads(ws.recv(timeout=WAIT))["type"] == "product"
        tick = json.loads(ws.recv(timeout=WAIT))
        assert tick["type"] == "latest-data"
        assert tick["time"] > first["time"]
        assert set(tick["data"]) <= set(simulation.FIELDS)


def test_the_live_server_refuses_a_bad_token_with_4401(server, fleet):
    url = f"{server.ws_url}/rest/data/socket?productId={fleet[0].id}&token=junk"
    with connect(url, open_timeout=WAIT) as ws:
        with pytest.raises(ConnectionClosed) as caught:
            ws.recv(timeout=WAIT)
        assert caught.value.rcvd is not None and caught.value.rcvd.code == 4401


def test_drop_sockets_over_http_closes_the_live_sockets_with_4503(server, fleet_token, fleet):
    site = next(s for s in map(Site.from_product, fleet) if s.installed_at is not None)
    url = f"{server.ws_url}/rest/data/socket?productId={site.product_id}&token={fleet_token}"
    with connect(url, open_timeout=WAIT) as ws:
        ws.recv(timeout=WAIT)
        response = httpx.post(
            f"{server.api_url}/emulator/drop-sockets",
            headers={"Authorization": f"Bearer {fleet_token}"},
        )
        assert response.status_code == 200 and response.json()["closed"] >= 1
        with pytest.raises(ConnectionClosed) as caught:
            while True:
                ws.recv(timeout=WAIT)
        assert caught.value.rcvd is not None and caught.value.rcvd.code == 4503
