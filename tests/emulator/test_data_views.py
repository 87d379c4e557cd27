"""GET /rest/products/{id}/latest and GET /rest/data/statistics: shapes, merging, errors."""

from __future__ import annotations

import pytest

from emulator import simulation
from emulator.site import Site
from tests.emulator.conftest import DAY, NOW

pytestmark = pytest.mark.django_db

STAT_KEYS = {
    "timespan_start", "pv-total", "pv-activity", "consumption-total", "storage-total-released",
    "storage-total-stored", "max-temperature", "own-consumption", "electrolyte-temp",
    "pump-temp", "dc-capacity", "ac-capacity", "dc-efficiency", "ac-efficiency",
    "self-sufficiency",
}  # fmt: skip
MEANS = ["own-consumption", "electrolyte-temp", "pump-temp", "dc-capacity", "ac-capacity"]
MEANS += ["dc-efficiency", "ac-efficiency"]
TOTALS = ["pv-total", "pv-activity", "consumption-total"]
TOTALS += ["storage-total-released", "storage-total-stored"]
MIDNIGHT = NOW // DAY * DAY


def stats(client, auth, **params):
    return client.get("/rest/data/statistics", params, **auth)


def test_latest_with_time_gives_the_last_report_of_every_field(client, fleet_auth, product):
    body = client.get(f"/rest/products/{product.id}/latest?includeTime=true", **fleet_auth).json()
    assert (body["time"], body["data"]) == simulation.latest(Site.from_product(product), NOW)
    assert set(body["data"]) == set(simulation.FIELDS)
    assert body["data"]["status"] in simulation.STATUS_NAMES


def test_latest_without_time_is_the_data_object_alone(client, owner1_auth, product):
    body = client.get(f"/rest/products/{product.id}/latest", **owner1_auth).json()
    assert body == simulation.latest(Site.from_product(product), NOW)[1]


def test_latest_of_a_product_that_never_reported_is_empty(client, fleet_auth, fleet):
    missing = next(p for p in fleet if p.installation_date is None)
    url = f"/rest/products/{missing.id}/latest"
    assert client.get(url, **fleet_auth).json() == {}
    assert client.get(url + "?includeTime=true", **fleet_auth).json() == {"time": None, "data": {}}


def test_latest_rejects_a_bad_include_time_or_product_id(client, fleet_auth, product):
    response = client.get(f"/rest/products/{product.id}/latest?includeTime=yes", **fleet_auth)
    assert response.status_code == 400
    assert "includeTime" in response.json()["errors"][0]
    for junk in ("abc", "-1", "0", str(2**64)):
        response = client.get(f"/rest/products/{junk}/latest", **fleet_auth)
        assert response.status_code == 400
        assert "productId" in response.json()["errors"][0]


def test_data_endpoints_give_403_for_a_foreign_or_unknown_product(
    client, owner1_auth, foreign_product
):
    for product_id in (foreign_product.id, 999_999):
        assert client.get(f"/rest/products/{product_id}/latest", **owner1_auth).status_code == 403
        assert stats(client, owner1_auth, productId=product_id).status_code == 403


def test_data_endpoints_need_a_token(client, product, now):
    assert client.get(f"/rest/products/{product.id}/latest").status_code == 401
    assert client.get("/rest/data/statistics", {"productId": product.id}).status_code == 401


def test_statistics_by_day_have_every_key_of_the_seed_and_utc_aligned_starts(
    client, owner1_auth, product
):
    body = stats(client, owner1_auth, productId=product.id, tstart=MIDNIGHT - 3 * DAY).json()
    assert [b["timespan_start"] for b in body] == [MIDNIGHT - k * DAY for k in (3, 2, 1, 0)]
    for bucket in body:
        assert set(bucket) == STAT_KEYS
        assert set(bucket["self-sufficiency"]) == {"totalWeight", "value"}
        assert 0 <= bucket["self-sufficiency"]["value"] <= 1
        assert 0.85 < bucket["dc-efficiency"]["value"] < 0.95
        assert 0.65 < bucket["ac-efficiency"]["value"] < 0.78
    assert body[0]["electrolyte-temp"]["nSamples"] == 1440
    # Today counts only the minutes that are over.
    assert body[-1]["electrolyte-temp"]["nSamples"] == (NOW - MIDNIGHT) // 60


def test_hour_buckets_merged_by_nsamples_equal_the_day_bucket(client, owner1_auth, product):
    day_start = MIDNIGHT - DAY
    [day] = stats(
        client, owner1_auth, productId=product.id, tstart=day_start, tend=day_start + DAY
    ).json()
    hours = stats(
        client, owner1_auth, productId=product.id, tstart=day_start, tend=day_start + DAY,
        timespan="hour",
    ).json()  # fmt: skip
    assert len(hours) == 24
    for key in TOTALS:
        assert sum(h[key] for h in hours) == pytest.approx(day[key], abs=24)
    for key in MEANS:
        n = sum(h[key]["nSamples"] for h in hours)
        merged = sum(h[key]["value"] * h[key]["nSamples"] for h in hours) / n
        assert (n, merged) == (day[key]["nSamples"], pytest.approx(day[key]["value"], rel=1e-9))
    weight = sum(h["self-sufficiency"]["totalWeight"] for h in hours)
    merged = sum(
        h["self-sufficiency"]["value"] * h["self-sufficiency"]["totalWeight"] for h in hours
    )
    assert merged / weight == pytest.approx(day["self-sufficiency"]["value"], rel=1e-9)
    assert max(h["max-temperature"] for h in hours) == day["max-temperature"]


def test_month_year_and_lifetime_buckets_sum_the_days(client, owner1_auth, product):
    month_start = 1780272000  # 2026-06-01 UTC
    days = stats(client, owner1_auth, productId=product.id, tstart=month_start).json()
    [month] = stats(
        client, owner1_auth, productId=product.id, tstart=month_start, timespan="month"
    ).json()
    [year] = stats(
        client, owner1_auth, productId=product.id, tstart=month_start, timespan="year"
    ).json()
    [life] = stats(
        client, owner1_auth, productId=product.id, tstart=month_start, timespan="lifetime"
    ).json()
    assert month["timespan_start"] == month_start
    assert year["timespan_start"] == 1767225600  # 2026-01-01 UTC
    assert life["timespan_start"] == month_start
    for key in TOTALS:
        assert (
            month[key] == year[key] == life[key] == pytest.approx(sum(d[key] for d in days), abs=20)
        )


def test_statistics_default_to_the_whole_life_of_the_product(client, owner1_auth, product):
    [life] = stats(client, owner1_auth, productId=product.id, timespan="lifetime").json()
    assert life["timespan_start"] == Site.from_product(product).installed_at
    assert life["pv-total"] > 0


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, "productId"),
        ({"productId": "abc"}, "productId"),
        ({"timespan": "week"}, "timespan"),
        ({"tstart": "soon"}, "tstart"),
        ({"tend": "nan"}, "tend"),
        ({"tstart": "1e300"}, "tstart"),
        ({"tstart": "-5"}, "tstart"),
        ({"tstart": str(NOW), "tend": str(NOW - 10)}, "tstart"),
        ({"tstart": "0", "timespan": "hour"}, "buckets"),
    ],
)
def test_statistics_reject_bad_input_naming_the_parameter(
    client, owner1_auth, product, params, names
):
    params = {"productId": product.id, **params} if "productId" not in params and params else params
    response = stats(client, owner1_auth, **params)
    assert response.status_code == 400
    assert names in response.json()["errors"][0]
