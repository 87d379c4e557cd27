"""The wall page in Chromium at 1920x1080 with 12 products: tiles, live states, moving values,
no scrollbar. Its own short-lived browser (module scope), so the asyncio tests that run after
this folder never meet Playwright's event loop."""

from __future__ import annotations

import os

import pytest

from tests.chromium import chromium as launch_chromium
from tests.conftest import steady_online
from tests.displays.helpers import new_wall_url, signed_in

# Playwright's sync API runs an event loop in the test thread (as in tests/browser/conftest.py).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# Every tile has been "live" (recorded by a MutationObserver from the first paint).
RECORD_STATES = """
window.seenLive = new Set();
new MutationObserver((records) => {
  for (const r of records) {
    const d = r.target.dataset;
    if (d && d.state === "live") window.seenLive.add(d.product);
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
"""


# The tiles' values that move while a product is online.
MOVING = "[data-field=stateOfCharge], [data-field=householdPower], [data-field=gridPower]"


@pytest.fixture(scope="module")
def chromium():
    pytest.importorskip("playwright.sync_api")
    with launch_chromium() as browser:
        yield browser


def test_wall_with_twelve_products(chromium, server, seeded_products):
    ids = [p.id for p in steady_online(seeded_products)][:12]
    assert len(ids) == 12
    client = signed_in(server.url, "fleet@example.com")
    try:
        wall = new_wall_url(client, products=",".join(map(str, ids)))
    finally:
        client.close()
    context = chromium.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.add_init_script(RECORD_STATES)
    try:
        page.goto(wall)
        tiles = page.locator("[data-product]")
        assert tiles.count() == 12
        assert sorted(
            int(t) for t in tiles.evaluate_all("ts => ts.map(t => t.dataset.product)")
        ) == sorted(ids)
        page.wait_for_function("() => window.seenLive.size === 12", timeout=60_000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-product]')]"
            ".every(t => t.dataset.state === 'live' && !t.hidden)",
            timeout=60_000,
        )
        first = page.evaluate(
            "() => [...document.querySelectorAll('[data-field=stateOfCharge]')]"
            ".map(e => e.dataset.value)"
        )
        assert all(v is not None for v in first)
        # Values move. Not the state of charge alone: at night an empty, idle battery's SoC
        # stays put for hours (the emulator's 12 first steady products, at 01:00-08:00 UTC on
        # many days of Oct-Nov 2026); the household meter moves every second day and night.
        shown = "() => [...document.querySelectorAll(" + repr(MOVING) + ")].map(e => e.textContent)"
        before = page.evaluate(shown)
        page.wait_for_function(
            f"(before) => ({shown})().some((text, i) => text !== before[i])",
            arg=before,
            timeout=60_000,
        )
        scroll, inner = page.evaluate(
            "() => [document.documentElement.scrollHeight, window.innerHeight]"
        )
        assert scroll <= inner
        assert page.locator("script:not([src]):not([type='application/json'])").count() == 0
        assert (
            page.locator("[style]").count()
            == page.locator("[data-field=socBar], #wall-grid").count()
        )
    finally:
        context.close()


def test_gone_page_in_browser(chromium, server):
    context = chromium.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        answer = page.goto(f"{server.url}/wall/not-a-display/")
        assert answer.status == 404
        assert "no longer valid" in page.text_content("h1")
    finally:
        context.close()
