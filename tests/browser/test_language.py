"""The language switch in Chromium: the first visit follows the browser's language, the switch
in the header changes it for every page, and the choice survives a reload and a new visit."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_the_switch_changes_the_language_and_remembers_it(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    try:
        sign_in_page(page, server)
        assert page.get_attribute("html", "lang") == "en"
        assert page.locator("h1").inner_text() == "Fleet"

        page.goto(f"{server.url}/products/1/?range=30d")
        page.wait_for_selector("[data-figure=fig-energy] .main-svg", timeout=60_000)
        page.click("[data-testid=lang-de]")
        page.wait_for_selector("html[lang=de]")
        assert page.url == f"{server.url}/products/1/?range=30d"  # back on the same view
        assert page.locator("#statistics").inner_text() == "Statistik"
        page.wait_for_selector("[data-figure=fig-energy] .main-svg", timeout=60_000)
        legend = page.locator("[data-figure=fig-energy] .legendtext").all_text_contents()
        assert legend[0] == "PV-Erzeugung"
        page.wait_for_function(
            "document.querySelector('[data-live-badge]').textContent.startsWith('Aktuell')",
            timeout=60_000,
        )
        # The live widget formats numbers the German way (decimal comma).
        assert "," in page.locator("[data-testid=live-pv]").text_content()

        page.goto(f"{server.url}/")  # another page, a new request: still German (cookie)
        assert page.locator("h1").inner_text() == "Flotte"
        page.reload()
        assert page.get_attribute("html", "lang") == "de"

        page.click("[data-testid=lang-en]")
        page.wait_for_selector("html[lang=en]")
        assert page.locator("h1").inner_text() == "Fleet"
    finally:
        context.close()


def test_a_german_browser_gets_german_pages_at_first_visit(browser, server):
    context = browser.new_context(locale="de-AT")
    page = context.new_page()
    try:
        page.goto(f"{server.url}/signin/")
        assert page.get_attribute("html", "lang") == "de"
        assert page.locator("h1").inner_text() == "Anmelden"
        assert page.locator("[data-testid=lang-en]").inner_text() == "English"
    finally:
        context.close()
