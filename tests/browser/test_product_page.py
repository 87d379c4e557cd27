"""The product page in headless Chromium: the charts draw, a range change swaps them, an
export downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

BERLIN = ZoneInfo("Europe/Berlin")


def open_product(page, server, product_id: int = 1, query: str = "") -> None:
    page.goto(f"{server.url}/products/{product_id}/{query}")
    page.wait_for_selector("[data-figure=fig-energy] .main-svg", timeout=30_000)


def energy_labels(page) -> list[str]:
    return page.evaluate("JSON.parse(document.getElementById('fig-energy').textContent).data[0].x")


def test_the_statistics_charts_and_the_day_detail_draw(signed_in_page, server):
    page = signed_in_page
    open_product(page, server)
    for name in ("fig-energy", "fig-ratios", "fig-temperatures"):
        assert page.locator(f"[data-figure={name}] .main-svg").count() >= 1
    page.wait_for_selector("[data-figure=fig-day] .main-svg", timeout=30_000)
    legend = page.locator("[data-figure=fig-day] .legendtext").all_text_contents()
    assert legend[:2] == ["PV", "Household"]


def test_a_range_change_swaps_the_charts_and_updates_the_url(signed_in_page, server):
    page = signed_in_page
    open_product(page, server, query="?back=q%3DAA")
    assert len(energy_labels(page)) == 7
    page.evaluate("window.__stayed = true")  # gone if the whole page reloads
    old_chart = page.locator("[data-figure=fig-energy]").element_handle()
    page.click(".segmented >> text=30 days")
    page.wait_for_url("**/products/1/?range=30d&back=q%3DAA")
    page.wait_for_function(
        "document.getElementById('fig-energy') && "
        "JSON.parse(document.getElementById('fig-energy').textContent)"
        ".data[0].x.length === 30"
    )
    page.wait_for_selector("[data-figure=fig-energy] .main-svg")
    assert page.evaluate("window.__stayed") is True
    assert page.evaluate("(el) => el.isConnected", old_chart) is False
    assert page.locator(".segmented [aria-current=true]").inner_text() == "30 days"
    page.go_back()
    page.wait_for_function(
        "JSON.parse(document.getElementById('fig-energy').textContent).data[0].x.length === 7"
    )


def test_a_csv_export_downloads_and_parses_with_pythons_csv_module(signed_in_page, server):
    page = signed_in_page
    open_product(page, server)
    yesterday = dt.datetime.now(BERLIN).date() - dt.timedelta(days=1)
    page.fill("#id_start", yesterday.isoformat())
    page.fill("#id_end", yesterday.isoformat())
    page.check("#export-form input[value=stateOfCharge]")
    page.check("#export-form input[value=status]")
    page.select_option("#id_separator", ";")
    page.fill("#id_tolerance", "0.01")
    with page.expect_download() as info:
        page.click("#export-form button[type=submit]")
    download = info.value
    assert download.suggested_filename.endswith(f"_{yesterday}_{yesterday}.csv")
    with open(download.path(), encoding="utf-8", newline="") as file:
        text = file.read()
    lines = text.split("\r\n")
    assert lines[0] == "sep=;"
    rows = list(csv.reader(io.StringIO("\n".join(lines[1:])), delimiter=";"))
    assert rows[0] == ["Time", "SOC_State of Charge", "Status"]
    assert len(rows) > 10
    assert all(len(row) == 3 for row in rows)
    assert not text.endswith("\n")
