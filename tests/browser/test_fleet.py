"""The fleet overview in headless Chromium against the live server and its emulator."""

from __future__ import annotations

import re

import pytest

from signin.auth import session_store as SessionStore
from signin.auth import session_token
from tests.browser.conftest import sign_in_page
from tests.conftest import FLEET_SIZE

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def _serials(page) -> list[str]:
    return page.locator("#fleet-table a.row-link").all_inner_texts()


def test_a_stranger_is_sent_to_sign_in_and_lands_on_the_fleet(page, server):
    page.goto(f"{server.url}/?size=50")
    assert page.url == f"{server.url}/signin/?next=%2F%3Fsize%3D50"
    sign_in_page(page, server, next_path="/?size=50")
    assert len(_serials(page)) == 50
    assert page.locator("[data-tile=all] .tile-value").inner_text() == str(FLEET_SIZE)
    assert page.locator(".user").inner_text().startswith("fleet@example.com")


def test_a_wrong_password_is_refused_with_the_upstreams_reason(page, server):
    page.goto(f"{server.url}/signin/")
    page.fill("#id_email", "fleet@example.com")
    page.fill("#id_password", "wrong-password")
    page.click("form[action='/signin/'] button[type=submit]")
    assert page.locator("#signin-error").inner_text() == "Invalid e-mail or password"
    assert page.input_value("#id_password") == ""


def test_searching_by_serial_number_narrows_the_table_as_you_type(signed_in_page, server, fleet):
    page = signed_in_page
    target = fleet[41].serial_number
    page.locator("#id_q").press_sequentially(target, delay=20)
    page.wait_for_url(f"{server.url}/?q={target}")
    page.wait_for_function("document.querySelectorAll('#fleet-table tbody tr').length === 1")
    assert _serials(page) == [target]
    assert page.locator("#id_q").evaluate("el => el === document.activeElement")


def test_one_group_then_offline_takes_two_clicks_and_survives_a_reload(
    signed_in_page, server, fleet
):
    page = signed_in_page
    group = fleet[0].group
    page.select_option("#id_group", str(group.id))
    page.wait_for_url(f"{server.url}/?group={group.id}")
    in_group = [p.serial_number for p in fleet if p.group_id == group.id]
    page.wait_for_function(
        f"document.querySelector('[data-tile=all] .tile-value').textContent === '{len(in_group)}'"
    )
    assert set(_serials(page)) <= set(in_group)
    page.click("[data-tile=offline]")
    page.wait_for_url(f"{server.url}/?group={group.id}&state=offline")
    page.reload()
    assert page.input_value("#id_group") == str(group.id)
    # Counted on the reloaded page itself: a product may go offline between two renders.
    offline = int(page.locator("[data-tile=offline] .tile-value").inner_text())
    assert len(_serials(page)) == offline
    statuses = page.locator("#fleet-table .status").all_inner_texts()
    assert set(statuses) <= {"Offline"}


def test_sorting_by_installation_date_and_paging_keep_their_state_on_back(signed_in_page, server):
    page = signed_in_page
    page.click("th a[data-sort=installed]")
    page.wait_for_url(f"{server.url}/?sort=installed")
    page.click("th a[data-sort=installed]")
    page.wait_for_url(f"{server.url}/?sort=-installed")
    assert page.locator("th[aria-sort=descending]").inner_text().strip() == "INSTALLED"
    first_page = _serials(page)
    dates = page.locator("#fleet-table td[data-label=Installed]").all_inner_texts()
    assert "not installed" not in dates[0]

    page.click("a[rel=next]")
    page.wait_for_url(f"{server.url}/?sort=-installed&page=2")
    page.wait_for_function(
        "document.querySelector('.pager .current').textContent.startsWith('Page 2')"
    )
    second_page = _serials(page)
    assert not set(first_page) & set(second_page)

    page.reload()
    assert _serials(page) == second_page
    page.go_back()
    page.wait_for_url(f"{server.url}/?sort=-installed")
    page.wait_for_function(
        "document.querySelector('.pager .current').textContent.startsWith('Page 1')"
    )
    assert _serials(page) == first_page


def test_signing_out_ends_the_session(signed_in_page, server):
    page = signed_in_page
    page.click(".user button[type=submit]")
    page.wait_for_url(f"{server.url}/signin/?signed_out=1")
    page.goto(f"{server.url}/")
    assert page.url.startswith(f"{server.url}/signin/")


def test_no_page_url_or_script_ever_contains_the_token(page, server):
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.on("response", lambda response: seen.append(_text(response)))
    sign_in_page(page, server)
    page.locator("#id_q").press_sequentially("AA", delay=20)
    page.wait_for_url(re.compile(r".*q=AA"))
    page.click("[data-tile=errors]")
    page.wait_for_url(re.compile(r".*state=errors"))
    page.goto(f"{server.url}/?page=-1&sort=<x>")
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    token = session_token(SessionStore(key))
    seen.append(page.content())
    seen.append(page.evaluate("document.cookie + JSON.stringify(localStorage)"))
    assert len(token) > 20
    assert not [text for text in seen if token in text]


def _text(response) -> str:
    try:
        return response.text()
    except Exception:  # redirects and aborted responses have no body to read
        return ""
