"""End to end in Chromium: the product page's live widgets move, and survive a dropped socket.

Waits are for events, with bounds generous enough for a busy 2-core machine (LIVE_WAIT): how
often frames come (one a second while online, at any hour) is the emulator's contract, asserted
with a frozen clock in ``tests/emulator/test_socket.py``, not here with a stopwatch."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import sign_in_page
from tests.conftest import steady_online

pytestmark = pytest.mark.browser
LIVE_WAIT = 30_000  # ms

WATCH_STATES = """() => {
  window.liveStates = [];
  const root = document.querySelector("[data-live]");
  new MutationObserver(() => window.liveStates.push(root.dataset.state))
    .observe(root, { attributes: true, attributeFilter: ["data-state"] });
}"""


@pytest.fixture
def online_product(db, server, seeded_products) -> int:
    """An installed product online for the whole test (``db`` first: the seeded test database,
    not the dev one)."""
    return steady_online(seeded_products)[0].id


@pytest.fixture
def page(page):
    """The live widgets do not need plotly.js (4.6 MB, for the statistics charts): skip it."""
    page.route("**/vendor/plotly.min.js", lambda route: route.abort())
    return page


def test_the_live_values_on_the_product_page_change_while_the_product_is_online(
    page, server, online_product
):
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    sign_in_page(page, server, next_path=f"/products/{online_product}/")
    page.wait_for_selector('[data-live][data-state="live"]', timeout=LIVE_WAIT)
    time = page.locator('[data-testid="live-time"]')
    first = time.text_content()
    assert first not in ("", "–")
    page.wait_for_function(
        "([el, old]) => el.textContent !== old",
        arg=[time.element_handle(), first],
        timeout=LIVE_WAIT,
    )
    assert page.text_content('[data-testid="live-pv"]').endswith(" kW")
    assert page.text_content('[data-testid="live-soc"]').endswith(" %")
    assert sockets == [f"{server.ws_url}/ws/products/{online_product}/"]  # no token in the URL


def test_a_dropped_upstream_socket_shows_reconnecting_then_live_without_a_reload(
    page, server, fleet_token, online_product
):
    sign_in_page(page, server, next_path=f"/products/{online_product}/")
    page.wait_for_selector('[data-live][data-state="live"]', timeout=LIVE_WAIT)
    page.evaluate(WATCH_STATES)
    page.evaluate("() => { window.notReloaded = true; }")
    response = httpx.post(
        f"{server.api_url}/emulator/drop-sockets",
        headers={"Authorization": f"Bearer {fleet_token}"},
    )
    assert response.json()["closed"] >= 1
    page.wait_for_function("() => window.liveStates.includes('reconnecting')", timeout=LIVE_WAIT)
    assert page.text_content('[data-testid="live-pv"]') != "–"  # values stay while reconnecting
    page.wait_for_function(
        "() => window.liveStates.at(-1) === 'live' && window.notReloaded", timeout=LIVE_WAIT
    )
