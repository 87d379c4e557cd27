"""The emulator's fault injection: guarded like drop-sockets, and seen by latest and the export."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from emulator.fleet import build_fleet, clear_fleet
from emulator.models import Product


@pytest.fixture(autouse=True)
def _no_faults_left():
    yield
    cache.clear()


def post(client, body, auth):
    return client.post(
        "/rest/emulator/faults", data=json.dumps(body), content_type="application/json", **auth
    )


def test_faults_need_the_fleet_wide_account_and_post(client, fleet_auth, owner1_auth, product):
    body = {"productId": product.id, "seconds": 60, "omit": ["pumpTemp"]}
    assert post(client, body, {}).status_code == 401
    assert post(client, body, owner1_auth).status_code == 403
    assert client.get("/rest/emulator/faults", **fleet_auth).status_code == 405


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"seconds": 60, "omit": ["pumpTemp"]}, "productId"),
        ({"productId": 1, "seconds": 99999, "omit": ["pumpTemp"]}, "seconds"),
        ({"productId": 1, "seconds": 60, "set": {"status": 3}}, "numeric field"),
        ({"productId": 1, "seconds": 60, "set": {"stateOfCharge": "high"}}, "finite number"),
        ({"productId": 1, "seconds": 60, "omit": ["nope"]}, "omit"),
        ({"productId": 1, "seconds": 60}, "set or omit"),
    ],
)
def test_bad_fault_bodies_get_a_400_naming_the_key(client, fleet_auth, body, named):
    response = post(client, body, fleet_auth)
    assert response.status_code == 400 and named in response.json()["errors"][0]


def test_a_fault_shows_in_latest_and_in_the_export_and_clears(client, fleet_auth, product, now):
    body = {"productId": product.id, "seconds": 120, "set": {"stateOfCharge": 1.4}}
    body["omit"] = ["pumpTemp"]
    assert post(client, body, fleet_auth).status_code == 200
    latest = client.get(f"/rest/products/{product.id}/latest", **fleet_auth).json()
    assert latest["stateOfCharge"] == 1.4 and "pumpTemp" not in latest
    past = client.get(
        "/rest/data/export.json",
        {"productId": product.id, "from": now - 600, "to": now},
        **fleet_auth,
    )
    rows = json.loads(b"".join(past.streaming_content))
    assert rows and all(r.get("stateOfCharge") != 1.4 for r in rows)  # all before the fault
    assert post(client, {"productId": product.id, "seconds": 0}, fleet_auth).status_code == 200
    latest = client.get(f"/rest/products/{product.id}/latest", **fleet_auth).json()
    assert latest["stateOfCharge"] <= 1 and "pumpTemp" in latest


def test_the_seeded_fleet_has_one_product_installed_on_the_given_day(db):
    import datetime as dt

    clear_fleet()  # inside the test's transaction: rolled back after
    day = dt.date(2026, 12, 1)
    summary = build_fleet(products=20, seed=3, today=day)
    assert summary.products == 20
    fresh = Product.objects.get(installation_date=day)
    assert fresh.sim_offline_rate == 0 and not fresh.sim_persistent_errors
    assert fresh == Product.objects.order_by("-id").first()
