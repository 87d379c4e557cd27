"""axe-core's WCAG 2.1 A/AA audit of every page, in English and in German: no serious or
critical violation. A page added later gets its line in PAGES (or its own one-line audit)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.browser.axe import describe, serious_violations
from tests.conftest import PASSWORD
from tests.products.conftest import FOREIGN_TO_OWNER1

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
LOCALES = {"en": "en-GB", "de": "de-DE"}
# path, what to wait for before the audit (the page as a person sees it, charts drawn)
PAGES = [
    ("/", "#fleet-table"),
    ("/?state=offline", "#fleet-results .tiles"),
    ("/?q=zzzz-no-such-product", "[data-testid=empty]"),
    ("/products/1/", "[data-figure=fig-day] .main-svg"),
    ("/products/1/?range=year", "[data-figure=fig-energy] .main-svg"),
    ("/products/1/day", "[data-figure=fig-day] .main-svg"),
    ("/products/1/export?start=2026-11-02&end=2026-11-01", "[data-testid=export-form]"),
    ("/no-such-page/", "[data-testid=not-found]"),
    ("/displays/", "#create-display"),
    ("/products/1/check/", "#checklist [data-summary]"),
    ("/products/1/check/report/", "[data-report]"),
]


def _context(browser, language: str):
    return browser.new_context(viewport={"width": 1280, "height": 900}, locale=LOCALES[language])


def _sign_in(page, server, email: str) -> None:
    page.goto(f"{server.url}/signin/")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/signin/'] button[type=submit]")
    page.wait_for_url(f"{server.url}/")


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_page_has_no_serious_accessibility_violation(browser, server, language):
    context = _context(browser, language)
    page = context.new_page()
    found = {}
    try:
        page.goto(f"{server.url}/signin/")
        assert page.get_attribute("html", "lang") == language
        found["/signin/"] = serious_violations(page)
        page.goto(f"{server.url}/signin/?expired=1")
        found["/signin/?expired=1"] = serious_violations(page)
        _sign_in(page, server, "fleet@example.com")
        for path, ready in PAGES:
            page.goto(f"{server.url}{path}")
            page.wait_for_selector(ready, timeout=60_000)
            assert page.get_attribute("html", "lang") == language
            found[path] = serious_violations(page)
    finally:
        context.close()
    failing = {path: v for path, v in found.items() if v}
    assert failing == {}, describe(failing)


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_upstream_error_page_has_no_serious_accessibility_violation(browser, server, language):
    context = _context(browser, language)
    page = context.new_page()
    try:
        _sign_in(page, server, "owner1@example.com")
        page.goto(f"{server.url}/products/{FOREIGN_TO_OWNER1}/")
        page.wait_for_selector("[data-upstream-error='403']")
        assert serious_violations(page) == []
    finally:
        context.close()


def test_german_screenshots_of_the_fleet_and_a_product_page(browser, server):
    """Screenshots to look at (artifacts/), and the German texts and formats they must show."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = _context(browser, "de")
    page = context.new_page()
    try:
        _sign_in(page, server, "fleet@example.com")
        page.wait_for_selector("#fleet-table")
        page.screenshot(path=ARTIFACTS / "fleet-de.png")
        assert page.locator("h1").inner_text() == "Flotte"
        page.goto(f"{server.url}/products/1/")
        page.wait_for_selector("[data-figure=fig-day] .main-svg", timeout=60_000)
        page.wait_for_function(
            "document.querySelector('[data-live-badge]').textContent.includes('vor')"
        )
        page.screenshot(path=ARTIFACTS / "product-de.png", full_page=True)
        # Plotly's own texts in German: the modebar's tooltips come from its locale file.
        titles = page.locator("[data-figure=fig-energy] .modebar-btn").evaluate_all(
            "buttons => buttons.map(b => b.getAttribute('data-title'))"
        )
        assert "Graphen als PNG herunterladen" in titles
        assert "Download plot as a PNG" not in titles
        assert page.locator("[data-live-badge]").inner_text().startswith("Aktuell · vor")
    finally:
        context.close()


def test_a_phone_sized_page_has_no_serious_violation_and_a_header_that_fits(browser, server):
    """An installer's phone: the header (with the language switch as a code) fits 390 px."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = context.new_page()
    try:
        _sign_in(page, server, "fleet@example.com")
        page.wait_for_selector("#fleet-results .tiles", timeout=60_000)
        assert page.locator("[data-testid=lang-en]").inner_text() == "EN"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert serious_violations(page) == []
        page.goto(f"{server.url}/products/1/")
        page.wait_for_selector("[data-figure=fig-energy] .main-svg", timeout=60_000)
        assert serious_violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "de"])
def test_stale_live_values_stay_readable(browser, server, language):
    """A stale or offline product's values are dimmed, not made illegible. The page's socket
    is answered by the test (Playwright's WebSocket routing): a stale feed on demand."""
    context = _context(browser, language)
    page = context.new_page()

    def stale_feed(ws) -> None:
        now = time.time()
        data = {"pvPower": 1234.0, "householdPower": 512.0, "gridPower": -210.0,
                "inverterPower": 480.0, "stateOfCharge": 0.61, "status": "discharging"}  # fmt: skip
        ws.send(json.dumps({"type": "state", "connection": "stale", "time": now - 42,
                            "now": now, "data": data}))  # fmt: skip

    try:
        _sign_in(page, server, "fleet@example.com")
        page.route_web_socket("**/ws/products/**", stale_feed)
        page.goto(f"{server.url}/products/1/")
        page.wait_for_selector("[data-live][data-state=stale]")
        badge = page.locator("[data-live-badge]").inner_text()
        assert badge.startswith({"en": "Stale · data 4", "de": "Veraltet · Daten 4"}[language])
        assert serious_violations(page) == []
    finally:
        context.close()


def _create_display(page, server, theme: str) -> str:
    """A display made through the list's form, as its owner does; the wall's URL."""
    page.goto(f"{server.url}/displays/")
    page.fill("#id_name", f"Wall {theme}")
    page.check("input[name=source][value=products]")
    page.fill("#id_products", "1, 2, 3, 4, 5, 6")
    page.select_option("#id_theme", theme)
    page.fill("#id_password", PASSWORD)
    page.click("#create-display button[type=submit]")
    page.wait_for_selector("#new-link .wall-link")
    assert serious_violations(page) == []  # the list with a display and its one-time link
    return page.locator("#new-link .wall-link").get_attribute("href")


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_wall_in_both_themes_and_the_gone_page_have_no_serious_violation(
    browser, server, language
):
    """The wall as a screen shows it (1920 x 1080, tiles live), dark and light; then the page a
    revoked or unknown link shows."""
    context = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale=LOCALES[language]
    )
    page = context.new_page()
    found = {}
    try:
        _sign_in(page, server, "fleet@example.com")
        walls = {theme: _create_display(page, server, theme) for theme in ("dark", "light")}
        for theme, url in walls.items():
            page.goto(url)
            page.wait_for_selector("[data-product][data-state=live]", timeout=60_000)
            assert page.get_attribute("html", "lang") == language
            found[f"wall ({theme})"] = serious_violations(page)
            if language == "de" and theme == "dark":
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=ARTIFACTS / "wall-de.png")
        page.goto(f"{server.url}/wall/no-such-secret/")
        assert page.get_attribute("html", "lang") == language
        found["/wall/no-such-secret/"] = serious_violations(page)
    finally:
        context.close()
    failing = {path: v for path, v in found.items() if v}
    assert failing == {}, describe(failing)


@pytest.mark.parametrize("language", ["en", "de"])
def test_renewing_a_display_has_no_serious_violation(browser, server, language):
    """The list with a display that expires within a week (offered first: the banner above the
    table and its renew form open in the row), the renew form refused, and the list after the
    renewal. The list's screenshot (artifacts/displays-renew-<language>.png) is to look at."""
    context = _context(browser, language)
    page = context.new_page()
    found = {}
    try:
        _sign_in(page, server, "fleet@example.com")
        page.goto(f"{server.url}/displays/")
        page.fill("#id_name", f"Lobby {language}")
        page.check("input[name=source][value=products]")
        page.fill("#id_products", "1, 2")
        page.fill("#id_validity_days", "1")
        page.fill("#id_password", PASSWORD)
        page.click("#create-display button[type=submit]")
        page.wait_for_selector("#new-link .wall-link")
        page.goto(f"{server.url}/displays/")
        row = page.locator("tr[data-status=expiring]", has_text=f"Lobby {language}")
        renew = row.locator("details.renew[open] form")
        renew.wait_for()
        assert page.locator("#to-renew", has_text=f"Lobby {language}").count() == 1
        found["/displays/ (renew offered)"] = serious_violations(page)
        ARTIFACTS.mkdir(exist_ok=True)
        row.scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / f"displays-renew-{language}.png", full_page=True)

        renew.locator("input[name=password]").fill("not-the-password")
        renew.locator("button[type=submit]").click()
        page.wait_for_selector("#renew-display .field-error")
        assert page.get_attribute("html", "lang") == language
        found["renew refused"] = serious_violations(page)

        page.fill("#id_password", PASSWORD)
        page.fill("#id_validity_days", "90")
        page.click("#renew-display button[type=submit]")
        page.wait_for_selector("#renewed")
        found["/displays/ (renewed)"] = serious_violations(page)
    finally:
        context.close()
    failing = {path: v for path, v in found.items() if v}
    assert failing == {}, describe(failing)


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_installers_check_on_a_phone_has_no_serious_violation(browser, server, language):
    """An installer's phone in a cellar (360 x 740): the check and its report fit and pass."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=LOCALES[language])
    page = context.new_page()
    found = {}
    try:
        _sign_in(page, server, "fleet@example.com")
        page.goto(f"{server.url}/products/1/check/")
        page.wait_for_selector("[data-check-page][data-state=live]", timeout=60_000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        found["check"] = serious_violations(page)
        if language == "de":
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / "check-de-360.png", full_page=True)
        page.goto(f"{server.url}/products/1/check/report/")
        page.wait_for_selector("[data-report]")
        found["report"] = serious_violations(page)
    finally:
        context.close()
    failing = {path: v for path, v in found.items() if v}
    assert failing == {}, describe(failing)


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_server_error_pages_have_no_serious_accessibility_violation(browser, server, language):
    """The 500 and the database-outage 503 are rendered without a request (handler500), so
    they are audited as rendered, on the server's origin for their stylesheet and script."""
    from django.template.loader import render_to_string
    from django.utils import translation

    context = _context(browser, language)
    page = context.new_page()
    found = {}
    try:
        page.goto(f"{server.url}/healthz")
        for template in ("500.html", "503.html"):
            with translation.override(language):
                page.set_content(render_to_string(template, {"retry_seconds": 30}))
            page.wait_for_selector("[data-error-page]")
            assert page.get_attribute("html", "lang") == language
            found[template] = serious_violations(page)
    finally:
        context.close()
    failing = {name: v for name, v in found.items() if v}
    assert failing == {}, describe(failing)
