"""The product page, its statistics fragment and day detail, against the real emulator."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from html import unescape
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx
import time_machine
from django.test.utils import override_settings

from signin.auth import session_token
from tests.products.conftest import (
    ERROR_PRODUCT,
    FLAKY_PRODUCT,
    FOREIGN_TO_OWNER1,
    NOT_INSTALLED_PRODUCT,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
UNREACHABLE = {"VOLTSTORAGE_API_URL": "http://127.0.0.1:9/rest", "UPSTREAM_RETRY_DELAYS": (0, 0)}


@pytest.fixture
def noon() -> Iterator[dt.datetime]:
    """Noon yesterday at the site, frozen for the in-process page and the test's expectations
    alike: the same day however long the test takes, with no midnight or clock change near it.
    The emulator (the live server) keeps its real clock, which is past every range asked."""
    yesterday = dt.datetime.now(BERLIN).date() - dt.timedelta(days=1)
    instant = dt.datetime.combine(yesterday, dt.time(12), BERLIN)
    with time_machine.travel(instant, tick=False):
        yield instant


def html_of(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def figure(html: str, name: str) -> dict:
    match = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no figure {name}"
    return json.loads(match.group(1))


def trace(fig: dict, name: str) -> dict:
    return next(t for t in fig["data"] if t["name"] == name)


def test_the_page_states_the_product_and_its_timezone(fleet_client, fleet):
    product = fleet[0]
    html = html_of(fleet_client.get(f"/products/{product.id}/"))
    assert product.serial_number in html
    assert product.type.name in html
    assert product.group.name in html
    assert product.group.owner.name in html
    assert f"all times in the site's timezone, <strong>{product.timezone}</strong>" in html
    assert product.hardware_version in html


def test_the_upstream_token_never_reaches_the_page(fleet_client, fleet_token):
    html = html_of(fleet_client.get("/products/1/"))
    token = session_token(fleet_client.session)
    assert token
    assert token not in html
    assert "token=" not in html


def test_latest_values_have_units(fleet_client):
    html = html_of(fleet_client.get("/products/1/"))
    values = dict(re.findall(r'data-field="(\w+)"><dt>.*?</dt><dd>([^<]*)</dd>', html))
    assert re.fullmatch(r"−?\d+\.\d\d kW", values["pvPower"])
    assert re.fullmatch(r"−?\d+\.\d\d kW", values["gridPower"])
    assert re.fullmatch(r"\d+\.\d %", values["stateOfCharge"])
    assert re.fullmatch(r"\d+\.\d °C", values["electrolyteTemp"])
    assert values["status"] in {"charging", "discharging", "idle", "standby", "fault"}


def test_it_says_how_old_the_last_data_is(fleet_client, fleet_token, server):
    latest = httpx.get(
        f"{server.api_url}/products/1/latest?includeTime=true",
        headers={"Authorization": f"Bearer {fleet_token}"},
    ).json()
    # Five hours after the last report: a second or two of drift does not change the text.
    with time_machine.travel(latest["time"] + 5 * 3600, tick=False):
        html = html_of(fleet_client.get("/products/1/"))
    assert "last data 5 h ago" in html


def test_a_product_that_never_reported_says_so(fleet_client):
    html = html_of(fleet_client.get(f"/products/{NOT_INSTALLED_PRODUCT}/"))
    assert "has not reported any data yet" in html
    assert "not installed yet" in html


def test_error_codes_come_with_explanation_and_severity(owner1_client):
    html = html_of(owner1_client.get(f"/products/{ERROR_PRODUCT}/"))
    assert "Non-default strategy" in html
    assert "badge badge--info" in html
    assert "self-consumption mode" in html


def test_error_codes_are_explained_in_german_to_a_german_browser(owner1_client):
    response = owner1_client.get(f"/products/{ERROR_PRODUCT}/", HTTP_ACCEPT_LANGUAGE="de-DE,de")
    assert "Abweichende Betriebsstrategie" in html_of(response)


def test_it_returns_403_for_a_foreign_product(owner1_client):
    response = owner1_client.get(f"/products/{FOREIGN_TO_OWNER1}/")
    assert response.status_code == 403
    assert "may not see it" in response.content.decode()


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client, db):
    response = client.get("/products/1/")
    assert response.status_code == 302
    assert response["Location"] == "/signin/?next=%2Fproducts%2F1%2F"


def test_an_unreachable_upstream_gives_an_honest_page(fleet_client):
    with override_settings(**UNREACHABLE):
        response = fleet_client.get("/products/1/")
    assert response.status_code == 503
    assert "unreachable" in response.content.decode()


def test_seven_days_are_seven_local_days_with_kpis_from_the_hourly_buckets(
    fleet_client, fleet_token, server, noon
):
    html = html_of(fleet_client.get("/products/1/"))
    today = noon.date()
    days = [today - dt.timedelta(days=d) for d in range(6, -1, -1)]
    energy = figure(html, "fig-energy")
    assert trace(energy, "PV produced")["x"] == [f"{d:%a} {d.day} {d:%b}" for d in days]
    start = dt.datetime.combine(days[0], dt.time(), BERLIN)
    rows = httpx.get(
        f"{server.api_url}/data/statistics",
        params={
            "productId": 1,
            "timespan": "hour",
            "tstart": int(start.timestamp()),
            "tend": int(noon.timestamp()),  # the page's range ends now
        },
        headers={"Authorization": f"Bearer {fleet_token}"},
    ).json()
    produced = sum(r["pv-total"] for r in rows) / 3.6e6
    card = re.search(r'kpi--pv"><div class="kpi-value">([\d,.]+)', html).group(1)
    assert float(card.replace(",", "")) == pytest.approx(produced, abs=0.1)
    assert "merged from the upstream&#x27;s hourly buckets" in html


def test_an_htmx_range_change_returns_only_the_statistics_fragment(fleet_client, noon):
    response = fleet_client.get(
        "/products/1/?range=year", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="stats"
    )
    html = html_of(response)
    assert "<html" not in html
    months = trace(figure(html, "fig-energy"), "PV produced")["x"]
    assert months[0] == f"Jan {noon.year}"
    assert 'aria-current="true">This year<' in html


def test_a_lifetime_range_says_it_uses_the_upstreams_daily_buckets(fleet_client, fleet, noon):
    product = fleet[0]
    html = html_of(fleet_client.get(f"/products/{product.id}/?range=lifetime"))
    assert "merged from the upstream&#x27;s daily buckets" in html
    years = trace(figure(html, "fig-energy"), "PV produced")["x"]
    first, last = product.installation_date.year, noon.year
    assert years == [str(y) for y in range(first, last + 1)]


def test_a_custom_range_ending_before_it_starts_is_a_form_error(fleet_client):
    html = html_of(fleet_client.get("/products/1/?range=custom&start=2026-05-10&end=2026-05-01"))
    assert "The end date is before the start date." in html
    assert "fig-energy" not in html


def test_a_custom_range_in_the_future_is_a_form_error(fleet_client, noon):
    future = noon.date() + dt.timedelta(days=40)
    html = html_of(fleet_client.get(f"/products/1/?range=custom&start=2026-01-01&end={future}"))
    assert "The end date is in the future" in html


def test_a_custom_range_that_is_not_a_date_is_a_form_error(fleet_client):
    html = html_of(fleet_client.get("/products/1/?range=custom&start=yesterday&end=2026-01-01"))
    assert "start=&#x27;yesterday&#x27;: not a date: write it as YYYY-MM-DD" in html


def test_the_back_link_keeps_the_overviews_filters(fleet_client):
    html = html_of(fleet_client.get("/products/1/?back=q%3DAA%26state%3Doffline%26page%3D2"))
    back = re.search(r'href="([^"]*)" data-testid="back-link"', html).group(1)
    assert unescape(back) == "/?q=AA&state=offline&page=2"
    assert "back=q%3DAA%26state%3Doffline%26page%3D2" in html  # range links keep it too


def test_the_day_detail_cuts_the_lines_where_the_product_was_offline(fleet_client, noon):
    today = noon.date()
    for back in range(1, 6):
        day = today - dt.timedelta(days=back)
        html = html_of(fleet_client.get(f"/products/{FLAKY_PRODUCT}/day?date={day}"))
        if "Offline: " in html:
            break
    else:
        pytest.fail("the flaky product was online for five whole days")
    pv = trace(figure(html, "fig-day"), "PV")
    assert None in pv["y"]
    assert "shown as gaps" in html
    assert "<html" in html  # without htmx, a page of its own


def test_the_day_detail_of_a_day_without_outage_has_no_gaps(fleet_client):
    html = html_of(fleet_client.get("/products/1/day?date=2026-08-20", HTTP_HX_REQUEST="true"))
    assert "<html" not in html
    soc = trace(figure(html, "fig-day"), "State of charge")
    if "No offline time this day." in html:
        assert None not in soc["y"]
    assert max(v for v in soc["y"] if v is not None) <= 100


def test_a_day_before_the_installation_has_no_data(fleet_client):
    html = html_of(fleet_client.get("/products/1/day?date=2019-01-01"))
    assert "was not installed on this day" in html


@respx.mock(assert_all_called=False)
def test_an_upstream_400_on_statistics_is_shown_with_its_message(fleet_client, server, respx_mock):
    respx_mock.route(path__regex=r"/rest/data/statistics$").respond(
        400, json={"errors": ["tend must be after tstart, got nonsense"]}
    )
    respx_mock.route().pass_through()
    html = html_of(fleet_client.get("/products/1/"))
    assert (
        'The VoltStorage API rejected the request: <q lang="en" data-upstream-words>'
        "tend must be after tstart, got nonsense</q>"
    ) in html
    # In German: our sentence in German, the API's words as its own (English, so marked).
    german = html_of(fleet_client.get("/products/1/", headers={"Accept-Language": "de"}))
    assert (
        'Die VoltStorage-API hat die Anfrage abgelehnt: <q lang="en" data-upstream-words>'
        "tend must be after tstart, got nonsense</q>"
    ) in german


def test_a_fall_back_day_has_25_hourly_buckets_in_local_time(fleet_client, fleet):
    html = html_of(fleet_client.get("/products/1/?range=custom&start=2026-10-25&end=2026-10-25"))
    labels = trace(figure(html, "fig-energy"), "PV produced")["x"]
    assert len(labels) == 25
    assert labels[:4] == ["Sun 00:00", "Sun 01:00", "Sun 02:00 CEST", "Sun 02:00 CET"]
    zone = fleet[0].timezone  # Berlin or Vienna: both go back on 25 October 2026
    assert f"Hourly buckets, labelled in the site&#x27;s local time ({zone})" in html


def test_today_is_the_sites_today_in_hours(fleet_client, noon):
    html = html_of(fleet_client.get("/products/1/?range=today"))
    labels = trace(figure(html, "fig-energy"), "PV produced")["x"]
    assert labels[0] == f"{noon:%a} 00:00"
    assert len(labels) in (23, 24, 25)


def test_the_day_detail_of_a_foreign_product_is_refused(owner1_client):
    response = owner1_client.get(f"/products/{FOREIGN_TO_OWNER1}/day?date=2026-08-01")
    assert response.status_code == 403
