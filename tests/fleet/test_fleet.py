"""The fleet overview, rendered by the real view against the live emulator."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import respx
from django.test.utils import override_settings

from fleet import snapshot as fleet_snapshot
from signin.auth import session_token, store_token
from tests.conftest import FLEET_SIZE

pytestmark = pytest.mark.django_db

UNREACHABLE = {"VOLTSTORAGE_API_URL": "http://127.0.0.1:9/rest", "UPSTREAM_RETRY_DELAYS": (0, 0)}


def _serials(html: str) -> list[str]:
    return re.findall(r'class="row-link" href="[^"]*">([^<]+)</a>', html)


def _tile(html: str, key: str) -> int:
    match = re.search(rf'data-tile="{key}"[^>]*>\s*<div class="tile-value">(\d+)</div>', html)
    assert match, f"no {key} tile"
    return int(match.group(1))


def _get(client, url: str, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200
    return response.content.decode()


def test_it_lists_the_first_page_with_the_total(fleet_client, fleet):
    html = _get(fleet_client, "/")
    assert _serials(html) == [p.serial_number for p in fleet[:25]]
    assert f"Showing 1–25 of {FLEET_SIZE} products" in html
    assert "Page 1 of 3" in html


def test_the_tiles_count_the_whole_fleet(fleet_client, fleet):
    html = _get(fleet_client, "/")
    assert _tile(html, "all") == FLEET_SIZE
    assert _tile(html, "not-installed") == sum(1 for p in fleet if p.installation_date is None)
    assert _tile(html, "online") + _tile(html, "offline") + _tile(html, "not-installed") == (
        FLEET_SIZE
    )


@pytest.mark.parametrize(("state", "word"), [("offline", "Offline"), ("online", "Online")])
def test_a_state_tile_lists_exactly_the_products_it_counts(fleet_client, state, word):
    html = _get(fleet_client, f"/?state={state}&size=100")
    assert len(_serials(html)) == _tile(html, state)
    statuses = re.findall(r'class="status status--\w+"[^>]*>([^<]+)<', html)
    assert set(statuses) <= {word}


def test_the_errors_tile_lists_products_with_error_badges(fleet_client):
    html = _get(fleet_client, "/?state=errors&size=100")
    rows = html.split("<tr data-product-id")[1:]
    assert len(rows) == _tile(html, "errors")
    assert all('class="badge badge--' in row for row in rows)


def test_a_search_by_serial_number_finds_that_product(fleet_client, fleet):
    html = _get(fleet_client, f"/?q={fleet[11].serial_number}")
    assert _serials(html) == [fleet[11].serial_number]


def test_the_group_filter_shows_only_that_group_and_offers_the_viewers_groups(fleet_client, fleet):
    group = fleet[0].group
    html = _get(fleet_client, f"/?group={group.id}&size=100")
    expected = [p.serial_number for p in fleet if p.group_id == group.id]
    assert _serials(html) == expected
    assert f'<option value="{group.id}" selected>{group.name}</option>' in html
    assert _tile(html, "all") == len(expected)


def test_the_owner_filter_choices_are_only_the_viewers_own(owner1_client, fleet):
    html = _get(owner1_client, "/")
    offered = set(re.findall(r'<option value="(\d+)"', html.split('id="id_owner"')[1][:2000]))
    assert len(offered) == 1


def test_it_sorts_by_installation_date_descending_with_not_installed_last(fleet_client, fleet):
    html = _get(fleet_client, "/?sort=-installed&size=100")
    by_serial = {p.serial_number: p for p in fleet}
    dates = [by_serial[s].installation_date for s in _serials(html)]
    installed = [d for d in dates if d is not None]
    assert installed == sorted(installed, reverse=True)
    assert dates[len(installed) :] == [None] * (len(dates) - len(installed))
    assert 'aria-sort="descending"' in html


def test_a_header_sorts_ascending_then_descending(fleet_client):
    html = _get(fleet_client, "/")
    assert 'href="/?sort=installed" data-sort="installed"' in html
    html = _get(fleet_client, "/?sort=installed")
    assert 'href="/?sort=-installed" data-sort="installed"' in html


def test_it_pages_with_a_chosen_page_size(fleet_client, fleet):
    html = _get(fleet_client, "/?size=50&page=2")
    assert _serials(html) == [p.serial_number for p in fleet[50:60]]
    assert f"Showing 51–60 of {FLEET_SIZE} products" in html
    assert 'href="/?size=50" rel="prev"' in html


def test_a_page_past_the_end_shows_the_last_page_with_a_notice(fleet_client, fleet):
    html = _get(fleet_client, "/?page=9")
    assert "Page 9 is past the end; showing the last page, 3." in html
    assert _serials(html) == [p.serial_number for p in fleet[50:60]]


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        (
            "page=-1",
            "Ignored page=&#x27;-1&#x27;: out of range: from 1 to 100000. Showing page 1.",
        ),
        (
            "sort=<script>alert(1)</script>",
            "Ignored sort=&#x27;&lt;script&gt;alert(1)&lt;/script&gt;",
        ),
        ("group=abc", "Ignored group=&#x27;abc&#x27;: not a whole number from 1 to"),
        ("group=999999", "Ignored group=999999: not one of your groups"),
        ("size=7", "Ignored size=&#x27;7&#x27;: use one of 25, 50, 100. Showing 25."),
        ("installed=maybe", "Ignored installed=&#x27;maybe&#x27;"),
        ("state=sleeping", "Ignored state=&#x27;sleeping&#x27;"),
    ],
)
def test_junk_parameters_fall_back_with_a_visible_notice(fleet_client, fleet, query, notice):
    html = _get(fleet_client, f"/?{query}")
    assert notice in html
    assert _serials(html) == [p.serial_number for p in fleet[:25]]
    assert "<script>alert" not in html


def test_the_search_text_is_escaped_wherever_it_is_shown(fleet_client):
    html = _get(fleet_client, '/?q="><img src=x onerror=alert(1)>')
    assert "<img src=x" not in html
    assert 'value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in html


def test_an_empty_result_names_its_filters_and_offers_to_clear_them(fleet_client, fleet):
    group = fleet[0].group
    html = _get(fleet_client, f"/?q=zzz-nothing&group={group.id}")
    assert "No products match" in html
    assert f"<strong>search “zzz-nothing”</strong> and <strong>group {group.name}</strong>" in html
    assert f'href="/?group={group.id}">Remove search' in html
    assert 'href="/">Clear all filters' in html


def test_each_row_links_to_its_product_page_with_the_overview_state(fleet_client, fleet):
    html = _get(fleet_client, "/?q=AA&sort=-installed")
    link = unescape(re.search(r'class="row-link" href="([^"]+)"', html).group(1))
    url = urlparse(link)
    assert re.fullmatch(r"/products/\d+/", url.path)
    assert parse_qs(url.query)["back"] == ["q=AA&sort=-installed"]


def test_an_htmx_request_gets_only_the_results_and_the_filter_fields(fleet_client):
    html = _get(
        fleet_client, "/?q=AA", headers={"HX-Request": "true", "HX-Target": "fleet-results"}
    )
    assert "<html" not in html
    assert 'id="fleet-table"' in html
    assert 'id="fleet-form-state" class="contents" hx-swap-oob="true"' in html


def test_the_page_works_without_javascript_as_a_plain_get_form(fleet_client):
    html = _get(fleet_client, "/?state=offline&sort=serial")
    form = html.split('id="fleet-filters"')[1].split("</form>")[0]
    assert 'method="get"' in html.split('id="fleet-filters"')[0][-200:]
    assert '<input type="hidden" name="state" value="offline">' in form
    assert '<input type="hidden" name="sort" value="serial">' in form
    assert '<button type="submit"' in form


def test_an_unreachable_upstream_shows_a_banner_with_the_last_good_data(fleet_client, fleet):
    _get(fleet_client, "/")  # the snapshot is now cached
    with override_settings(**UNREACHABLE):
        html = _get(fleet_client, "/?size=50")
    assert "VoltStorage API unreachable — retrying." in html
    assert "Showing the last good data" in html
    assert _serials(html) == [p.serial_number for p in fleet[:50]]


def test_an_unreachable_upstream_without_earlier_data_is_a_banner_not_a_crash(fleet_client):
    with override_settings(**UNREACHABLE):
        html = _get(fleet_client, "/")
    assert "VoltStorage API unreachable — retrying." in html
    assert "There is no earlier data to show yet." in html


def test_no_page_carries_the_upstream_token(fleet_client):
    token = session_token(fleet_client.session)
    for url in ["/", "/?state=errors", "/?q=<x>", "/?page=-1", "/signin/"]:
        response = fleet_client.get(url)
        assert token not in response.content.decode()
        assert token not in str(response.headers)


def test_it_pages_an_upstream_that_sends_no_total(db, client):
    """The real API may not send X-Total-Count: a full page offers "Next", without a total."""
    products = [
        {"id": n, "serialNumber": f"RX{n:05d}", "online": True, "errors": [], "groupId": 1}
        for n in range(1, 31)
    ]

    def answer(request):
        params = request.url.params
        if "count" not in params:
            return httpx.Response(200, json=products)
        count, page = int(params["count"]), int(params.get("page", 1))
        return httpx.Response(200, json=products[(page - 1) * count : page * count])

    _stub_session(client)
    with (
        override_settings(VOLTSTORAGE_API_URL="http://real-api.test/rest"),
        respx.mock(base_url="http://real-api.test/rest") as upstream,
    ):
        upstream.get("/products").mock(side_effect=answer)
        first = _get(client, "/")
        second = _get(client, "/?page=2")
    assert "Showing 1–25<" in first.replace("\n", "").replace("  ", "")
    assert 'href="/?page=2" rel="next"' in first
    assert _serials(second) == [f"RX{n:05d}" for n in range(26, 31)]
    assert 'rel="next"' not in second


def _stub_session(client, token: str = "real-api-token") -> None:
    session = client.session
    store_token(session, token)
    session.save()


STUB_PRODUCTS = [
    {"id": n, "serialNumber": f"RX{n:05d}", "online": True, "errors": [], "groupId": 1}
    for n in range(1, 4)
]


def _flaky_upstream(request):
    """Whole-fleet fetches time out (5xx); paged ones work; a group filter is refused."""
    params = request.url.params
    if "count" not in params:
        return httpx.Response(503)
    if "groupId" in params:
        return httpx.Response(403, json={"errors": ["groupId 9: not visible to this account"]})
    return httpx.Response(200, json=STUB_PRODUCTS, headers={"X-Total-Count": "3"})


@pytest.fixture
def flaky_upstream(db, client):
    _stub_session(client)
    with (
        override_settings(VOLTSTORAGE_API_URL="http://flaky.test/rest", **_NO_RETRY_DELAY),
        respx.mock(base_url="http://flaky.test/rest") as upstream,
    ):
        upstream.get("/products").mock(side_effect=_flaky_upstream)
        yield client


_NO_RETRY_DELAY = {"UPSTREAM_RETRY_DELAYS": (0, 0)}


def test_without_a_summary_the_live_table_still_shows_and_says_so(flaky_upstream):
    html = _get(flaky_upstream, "/")
    assert _serials(html) == ["RX00001", "RX00002", "RX00003"]
    assert "The fleet summary is not available right now; the table below is live." in html
    assert "unreachable" not in html


def test_a_filter_the_upstream_refuses_falls_back_to_all_products_with_a_notice(flaky_upstream):
    html = _get(flaky_upstream, "/?group=9")
    assert "The VoltStorage API refused this view (groupId 9: not visible to this account)" in html
    assert _serials(html) == ["RX00001", "RX00002", "RX00003"]


def test_a_state_view_without_a_summary_says_it_cannot_filter(flaky_upstream):
    html = _get(flaky_upstream, "/?state=offline")
    assert "The offline view needs the fleet summary, which is not available right now." in html
    assert _serials(html) == ["RX00001", "RX00002", "RX00003"]


def test_a_slow_first_summary_shows_the_table_now_and_loads_the_tiles_after(
    fleet_client, fleet, monkeypatch
):
    monkeypatch.setattr(fleet_snapshot, "FIRST_WAIT", 0)
    html = _get(fleet_client, "/?sort=serial")
    assert 'data-testid="tiles-pending"' in html
    assert 'hx-get="?sort=serial" hx-trigger="load delay:300ms"' in html
    assert 'data-tile="all"' not in html
    assert len(_serials(html)) == 25
    htmx = {"HX-Request": "true", "HX-Target": "fleet-results", "HX-Trigger": "tiles"}
    response = fleet_client.get("/?sort=serial", headers=htmx)
    assert _tile(response.content.decode(), "all") == FLEET_SIZE
    assert "HX-Push-Url" not in response  # the loader does not add a history entry


def test_the_filter_form_pushes_the_canonical_url(fleet_client):
    htmx = {"HX-Request": "true", "HX-Target": "fleet-results", "HX-Trigger": "fleet-filters"}
    response = fleet_client.get("/?q=AA&group=&owner=&installed=", headers=htmx)
    assert response["HX-Push-Url"] == "/?q=AA"
