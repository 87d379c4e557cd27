"""The installer's check page and report over HTTP, against the live emulator."""

from __future__ import annotations

import re

import pytest
import respx
from django.test.utils import override_settings

from tests.products.conftest import FOREIGN_TO_OWNER1, NOT_INSTALLED_PRODUCT

pytestmark = pytest.mark.django_db

UNREACHABLE = {"VOLTSTORAGE_API_URL": "http://127.0.0.1:9/rest", "UPSTREAM_RETRY_DELAYS": (0, 0)}


def results(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-check="(\w+)" data-result="(\w+)"', html))


def test_the_check_lists_every_item_with_a_result(fleet_client):
    response = fleet_client.get("/products/1/check/")
    assert response.status_code == 200
    found = results(response.content.decode())
    assert list(found) == [
        "reachable", "online", "fresh", "fields", "plausible", "direction", "setup", "errors",
        "history",
    ]  # fmt: skip
    assert set(found.values()) <= {"pass", "fail", "waiting"}
    assert found["reachable"] == "pass" and found["setup"] == "pass"


def test_a_product_not_installed_fails_its_set_up_and_history(fleet_client):
    html = fleet_client.get(f"/products/{NOT_INSTALLED_PRODUCT}/check/").content.decode()
    assert results(html)["setup"] == "fail" and results(html)["history"] == "fail"
    assert "installation date" in html and "Ready to hand over" not in html


def test_a_foreign_product_gets_the_product_pages_403(owner1_client):
    for path in ("/check/", "/check/report/"):
        response = owner1_client.get(f"/products/{FOREIGN_TO_OWNER1}{path}")
        assert response.status_code == 403
        assert b"may not see it" in response.content


def test_an_htmx_refresh_gets_only_the_checklist(fleet_client):
    response = fleet_client.get("/products/1/check/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="checklist"') and "<html" not in html


def test_the_upstream_failing_mid_check_marks_items_waiting_with_the_reason(fleet_client):
    with override_settings(**UNREACHABLE):
        response = fleet_client.get("/products/1/check/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    found = results(response.content.decode())
    assert set(found.values()) == {"waiting"}
    assert "did not answer" in response.content.decode()


@respx.mock(assert_all_called=False)
def test_a_failing_export_marks_only_the_live_items_waiting(fleet_client, respx_mock):
    respx_mock.route(path__regex=r"/rest/data/export\.json$").respond(503)
    respx_mock.route().pass_through()
    with override_settings(UPSTREAM_RETRY_DELAYS=(0, 0)):
        html = fleet_client.get("/products/1/check/", headers={"HX-Request": "true"})
    found = results(html.content.decode())
    assert [found[n] for n in ("fresh", "fields", "plausible", "direction")] == ["waiting"] * 4
    assert found["setup"] == "pass" and "Live frames could not be loaded" in html.content.decode()


def test_the_report_names_product_site_account_and_both_times(fleet_client):
    html = fleet_client.get("/products/1/check/report/").content.decode()
    assert "Commissioning report" in html and "fleet@example.com" in html
    assert " UTC" in html and len(results(html)) == 9
    assert "data-print" in html


def test_the_product_page_links_to_the_check(fleet_client):
    assert b'href="/products/1/check/"' in fleet_client.get("/products/1/").content
