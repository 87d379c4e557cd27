"""The wall page in Chromium at 1920x1080 with 12 products: tiles, live states, moving values,
no scrollbar. Its own short-lived browser (module scope), so the asyncio tests that run after
this folder never meet Playwright's event loop."""

from __future__ import annotations

import os
import time

import httpx
import pytest

from tests.chromium import chromium as launch_chromium
from tests.conftest import login_token, steady_online
from tests.displays.helpers import new_wall_url, renew_display, signed_in

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


# The wall's renewal strip is up, or gone and every tile live again.
REFUSED = (
    "() => document.body.classList.contains('wall--renew')"
    " && !document.getElementById('wall-strip').hidden"
)
RECOVERED = (
    "() => !document.body.classList.contains('wall--renew')"
    " && document.getElementById('wall-strip').hidden"
)
ALL_LIVE = (
    "() => [...document.querySelectorAll('[data-product]')].every(t => t.dataset.state === 'live')"
)
RECOVERS_WITHIN_MS = 20_000  # README, "Wall displays"; static/js/wall.js, RENEW_PROBE_MS


def _renew_and_watch(page, server, display_id: int) -> float:
    """Renew the display through the list's form, as its owner does, while ``page`` shows its
    wall; the seconds until the wall dropped its renewal strip by itself."""
    page.evaluate("() => { window.seenLive = new Set(); }")
    owner = signed_in(server.url, "fleet@example.com")
    try:
        answer = renew_display(owner, display_id)
        assert answer.status_code == 302, answer.text[:2000]
    finally:
        owner.close()
    renewed_at = time.monotonic()
    page.wait_for_function(RECOVERED, timeout=RECOVERS_WITHIN_MS)
    seconds = time.monotonic() - renewed_at
    page.wait_for_function(ALL_LIVE, timeout=60_000)
    assert page.evaluate("() => window.notReloaded") is True  # the same page, no hand on it
    return seconds


def test_a_wall_refused_while_running_recovers_after_renew_without_a_hand(
    chromium, server, seeded_products, make_display, fleet_token
):
    """The display's token expires under a live wall (the emulator checks a token when a
    socket opens, so its sockets are dropped to make the relay sign in again): the wall dims
    and asks for renewal; the owner renews; the same page goes live again by itself."""
    ids = [p.id for p in steady_online(seeded_products)][:2]
    validity = 40  # long enough to see every tile live on a busy machine, short to wait out
    expires = time.monotonic() + validity
    secret, pk = make_display(
        ids, token=login_token(server, "fleet@example.com", validity=validity)
    )
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.add_init_script(RECORD_STATES)
    try:
        page.goto(f"{server.url}/wall/{secret}/")
        page.evaluate("() => { window.notReloaded = true; }")
        live_for_ms = (expires - time.monotonic() - 2) * 1000
        page.wait_for_function("() => window.seenLive.size === 2", timeout=live_for_ms)
        # The token's expiry on a real emulator: nothing to travel in time, only to wait for.
        time.sleep(max(0.0, expires - time.monotonic() + 1))
        dropped = httpx.post(
            f"{server.api_url}/emulator/drop-sockets",
            headers={"Authorization": f"Bearer {fleet_token}"},
        )
        assert dropped.status_code == 200 and dropped.json()["closed"] >= 1
        page.wait_for_function(REFUSED, timeout=60_000)
        assert "ask its owner to renew it" in page.text_content("#wall-strip")
        seconds = _renew_and_watch(page, server, pk)
        assert seconds * 1000 <= RECOVERS_WITHIN_MS
    finally:
        context.close()


def test_a_wall_opened_on_a_refused_token_recovers_after_renew_without_a_hand(
    chromium, server, seeded_products, make_display
):
    ids = [p.id for p in steady_online(seeded_products)][:2]
    secret, pk = make_display(ids, token="eyJhbGciOiJIUzI1NiJ9.e30.forged")
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.add_init_script(RECORD_STATES)
    try:
        page.goto(f"{server.url}/wall/{secret}/")
        page.evaluate("() => { window.notReloaded = true; }")
        page.wait_for_function(REFUSED, timeout=60_000)
        _renew_and_watch(page, server, pk)
    finally:
        context.close()
