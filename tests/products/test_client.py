"""The upstream client against the real emulator over HTTP, and stubbed transports for faults."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import httpx
import numpy as np
import pytest
import respx
from django.test.utils import override_settings

from emulator import schedule
from emulator.site import Site
from products import client
from products.client import (
    BadRequest,
    Forbidden,
    Unauthorized,
    UpstreamError,
    UpstreamUnavailable,
)
from tests.conftest import FLEET_SIZE, PASSWORD

pytestmark = pytest.mark.django_db

STUB_URL = "http://upstream.test/rest"


@pytest.fixture
def stub():
    """A stubbed upstream for faults the emulator cannot produce, with no retry delay."""
    with (
        override_settings(VOLTSTORAGE_API_URL=STUB_URL, UPSTREAM_RETRY_DELAYS=(0, 0)),
        respx.mock(base_url=STUB_URL, assert_all_called=False) as router,
    ):
        yield router


def _product(n: int) -> dict:
    return {"id": n, "serialNumber": f"AA{n:05d}", "errors": [], "online": True}


# -- against the real emulator ----------------------------------------------------------------


async def test_it_signs_in_and_the_token_opens_the_product_list(server):
    token = await client.login("FLEET@example.com", PASSWORD, 600)
    page = await client.list_products(token, count=5)
    assert len(page.items) == 5
    assert page.total == FLEET_SIZE
    assert page.has_more


async def test_it_reports_the_upstreams_reason_for_wrong_credentials(server):
    with pytest.raises(BadRequest) as caught:
        await client.login("fleet@example.com", "not-the-password", 600)
    assert caught.value.errors == ["invalid e-mail or password"]


async def test_it_reads_every_contract_field_into_a_typed_product(server, fleet_token, fleet):
    expected = fleet[2]
    product = await client.get_product(fleet_token, expected.id)
    assert product.serial_number == expected.serial_number
    assert product.installation_date == expected.installation_date
    assert product.group_name == expected.group.name
    assert product.group_owner_id == expected.group.owner_id
    assert product.type_name == expected.type.name
    assert product.latitude == pytest.approx(expected.group.latitude)
    assert isinstance(product.online, bool)
    assert isinstance(product.created_at, dt.datetime)
    assert product.raw["serialNumber"] == expected.serial_number


async def test_it_passes_filters_sort_and_paging_upstream(server, fleet_token, fleet):
    group_id = fleet[0].group_id
    in_group = [p for p in fleet if p.group_id == group_id and p.installation_date]
    page = await client.list_products(
        fleet_token, group_id=group_id, installed=True, sort="-installationDate", count=100
    )
    dates = [p.installation_date for p in page.items]
    assert {p.id for p in page.items} == {p.id for p in in_group}
    assert dates == sorted(dates, reverse=True)
    assert page.total == len(in_group)
    assert not page.has_more


async def test_it_searches_by_serial_number(server, fleet_token, fleet):
    page = await client.list_products(fleet_token, q=fleet[7].serial_number.lower())
    assert [p.id for p in page.items] == [fleet[7].id]


async def test_it_raises_forbidden_for_a_foreign_product(server, owner1_token, fleet):
    own = {p.id for p in (await client.list_products(owner1_token)).items}
    foreign = next(p for p in fleet if p.id not in own)
    with pytest.raises(Forbidden):
        await client.get_product(owner1_token, foreign.id)


async def test_it_raises_unauthorized_for_a_bad_token(server):
    with pytest.raises(Unauthorized):
        await client.list_products("not-a-token")


async def test_it_raises_bad_request_with_the_upstreams_errors(server, fleet_token):
    with pytest.raises(BadRequest) as caught:
        await client.list_products(fleet_token, sort="nonsense")
    assert "nonsense" in caught.value.errors[0]


async def test_latest_returns_the_time_and_the_last_values(server, fleet_token, fleet):
    installed = next(p for p in fleet if p.installation_date)
    result = await client.latest(fleet_token, installed.id)
    assert result.time is None or result.time > 0
    assert isinstance(result.data, dict)


async def test_statistics_returns_one_row_for_a_lifetime(server, fleet_token, fleet):
    installed = next(p for p in fleet if p.installation_date)
    rows = await client.statistics(fleet_token, installed.id, timespan="lifetime")
    assert len(rows) <= 1
    if rows:
        assert "pv-total" in rows[0]


async def test_statistics_sends_the_exact_seconds_of_the_range(server, fleet_token, fleet):
    # An hour-aligned start, two days back, that six significant digits would move into another
    # hour (``f"{t:g}"`` wrote 1795986000 as 1.79599e+09, 4,000 s later), on a product online
    # all around it.
    tstart = (int(time.time()) // 3600 - 48) * 3600
    while abs(float(f"{float(tstart):g}") - tstart) < 3600:
        tstart -= 3600
    tend = tstart + 7200.5
    site = next(
        s
        for s in map(Site.from_product, fleet)
        if s.installed_at is not None
        and schedule.online_mask(s, np.arange(tstart - 6000, tend + 6000, 30)).all()
    )
    with respx.mock(assert_all_called=False) as router:
        route = router.get(url__regex=r"/rest/data/statistics").pass_through()
        rows = await client.statistics(
            fleet_token, site.product_id, tstart=float(tstart), tend=tend, timespan="hour"
        )
    sent = route.calls.last.request.url.params
    assert (sent["tstart"], sent["tend"]) == (str(tstart), str(tend))
    assert [row["timespan_start"] for row in rows] == [tstart, tstart + 3600]


async def test_export_streams_csv_after_checking_the_status(server, fleet_token, fleet):
    installed = next(p for p in fleet if p.installation_date)
    end = int(dt.datetime(2026, 11, 1, tzinfo=dt.UTC).timestamp())
    stream = await client.export_stream(
        fleet_token, installed.id, fmt="csv", params={"from": end - 600, "to": end}
    )
    body = b"".join([chunk async for chunk in stream])
    assert body.startswith(b"sep=,\r\nTime,")
    assert stream.content_type.startswith("text/csv")


async def test_export_raises_bad_request_before_any_byte(server, fleet_token, fleet):
    with pytest.raises(BadRequest) as caught:
        await client.export_stream(fleet_token, fleet[0].id, fmt="csv", params={"from": "x"})
    assert "from" in caught.value.errors[0]


# -- faults, through a stubbed transport ------------------------------------------------------


async def test_it_pages_without_x_total_count(stub):
    stub.get("/products").mock(return_value=httpx.Response(200, json=[_product(1), _product(2)]))
    full = await client.list_products("t", count=2, page=1)
    assert (full.total, full.has_more) == (None, True)
    stub.get("/products").mock(return_value=httpx.Response(200, json=[_product(3)]))
    short = await client.list_products("t", count=2, page=2)
    assert (short.total, short.has_more) == (None, False)


async def test_an_answer_that_is_not_json_is_a_named_upstream_error(stub):
    """A proxy's HTML error page with status 200 must not become a crash page."""
    stub.get("/products").mock(return_value=httpx.Response(200, text="<html>Bad gateway</html>"))
    with pytest.raises(UpstreamError, match="/products with something not JSON"):
        await client.list_products("t")
    stub.get("/products/7/latest").mock(return_value=httpx.Response(200, text="{"))
    with pytest.raises(UpstreamError, match="latest with something not JSON"):
        await client.latest("t", 7)


async def test_it_sends_the_token_as_a_bearer_header_and_never_in_the_url(stub):
    route = stub.get("/products").mock(return_value=httpx.Response(200, json=[]))
    await client.list_products("secret-token", q="x")
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer secret-token"
    assert "secret-token" not in str(request.url)


async def test_it_retries_a_5xx_and_then_succeeds(stub):
    route = stub.get("/products").mock(
        side_effect=[httpx.Response(502), httpx.Response(503), httpx.Response(200, json=[])]
    )
    page = await client.list_products("t")
    assert page.items == []
    assert route.call_count == 3


async def test_it_gives_up_after_three_tries_with_upstream_unavailable(stub):
    route = stub.get("/products").mock(return_value=httpx.Response(500, json={"errors": ["x"]}))
    with pytest.raises(UpstreamUnavailable) as caught:
        await client.list_products("t")
    assert route.call_count == 3
    assert caught.value.status == 500


async def test_it_retries_a_timeout_and_reports_it_as_unavailable(stub):
    route = stub.get("/products").mock(side_effect=httpx.ReadTimeout("too slow"))
    with pytest.raises(UpstreamUnavailable):
        await client.list_products("t")
    assert route.call_count == 3


async def test_it_recovers_after_a_connection_error(stub):
    route = stub.get("/products/5/latest").mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(200, json={"time": 1, "data": {}}),
        ]
    )
    result = await client.latest("t", 5)
    assert result.time == 1.0
    assert route.call_count == 2


@pytest.mark.parametrize(
    ("status", "exception"), [(400, BadRequest), (401, Unauthorized), (403, Forbidden)]
)
async def test_it_never_retries_a_4xx(stub, status, exception):
    route = stub.get("/data/statistics").mock(
        return_value=httpx.Response(status, json={"errors": [f"reason {status}"]})
    )
    with pytest.raises(exception) as caught:
        await client.statistics("t", 1)
    assert route.call_count == 1
    assert caught.value.errors == [f"reason {status}"]


async def test_a_5xx_export_is_retried_and_reported_before_streaming(stub):
    route = stub.get("/data/export.csv").mock(return_value=httpx.Response(503, text="down"))
    with pytest.raises(UpstreamUnavailable):
        await client.export_stream("t", 1, fmt="csv", params={"from": 0})
    assert route.call_count == 3


async def test_a_login_is_not_retried_on_a_connection_error(stub):
    route = stub.post("/login/password").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(UpstreamUnavailable):
        await client.login("a@b.c", "pw")
    assert route.call_count == 1


async def test_it_keeps_one_pooled_client_per_event_loop(stub):
    stub.get("/products").mock(return_value=httpx.Response(200, json=[]))
    first = await client._client()
    await asyncio.gather(*(client.list_products("t") for _ in range(5)))
    assert await client._client() is first


async def test_the_base_url_is_read_at_call_time(stub):
    with (
        override_settings(VOLTSTORAGE_API_URL="http://elsewhere.test/api"),
        respx.mock(base_url="http://elsewhere.test/api") as other,
    ):
        route = other.get("/products").mock(return_value=httpx.Response(200, json=[]))
        await client.list_products("t")
    assert route.called
