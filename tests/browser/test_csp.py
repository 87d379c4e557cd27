"""Every page type under the Content-Security-Policy in Chromium: no violation in the console."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def _breaks_policy(text: str) -> bool:
    """A CSP violation, or htmx refusing an attribute it could only read with eval (a trigger
    filter ``[...]``, which the policy forbids, logs ``htmx:syntax:error``)."""
    return "Content Security Policy" in text or "htmx:syntax:error" in text


def _watch(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if _breaks_policy(message.text) else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' "
        "+ e.blockedURI))"
    )
    return violations


def test_no_page_type_breaks_the_policy(page, server):
    violations = _watch(page)
    sign_in_page(page, server)  # the sign-in page, then the fleet
    page.locator("#id_q").press_sequentially("AA", delay=20)  # an htmx fragment
    page.wait_for_url("**q=AA*")
    page.goto(f"{server.url}/products/1/")
    page.wait_for_selector(".chart .main-svg")  # plotly.js drew the charts
    page.goto(f"{server.url}/products/1/day")
    page.goto(f"{server.url}/products/1/export")
    page.goto(f"{server.url}/products/1/check/")
    page.wait_for_selector("[data-check-page]:not([data-state=connecting])")  # check.js, socket
    page.goto(f"{server.url}/products/1/check/report/")
    page.goto(f"{server.url}/products/99999/")  # the upstream's refusal
    page.goto(f"{server.url}/no/such/page/")  # 404
    page.screenshot(path="/tmp/sec-csp-404.png")
    assert violations == [], "\n".join(sorted(set(violations)))


def test_the_display_pages_and_the_wall_keep_the_policy(page, server):
    """The display list (with its create form refused, a new link, a rename and a renewal), the
    wall with live tiles, and the "gone" page of a revoked link: no violation in Chromium."""
    violations = _watch(page)
    sign_in_page(page, server, next_path="/displays/")
    page.click("#create-display button[type=submit]")  # empty: the form's errors
    page.wait_for_selector(".field-error")
    page.fill("#id_name", "Operations room")
    page.check("input[name=source][value=products]")
    page.fill("#id_products", "1,2")
    page.fill("#id_password", "voltstorage")
    page.click("#create-display button[type=submit]")
    wall = page.locator(".wall-link").inner_text()
    rename = page.locator("form[action$='/rename/']").first
    rename.locator("input[name=name]").fill("Lobby")
    rename.locator("button[type=submit]").click()
    page.wait_for_selector("text=Lobby")
    page.screenshot(path="/tmp/sec2-csp-displays.png", full_page=True)
    renew = page.locator("details.renew").first
    renew.locator("summary").click()  # a <details>: no script opens it
    renew.locator("input[name=password]").fill("voltstorage")
    renew.locator("button[type=submit]").click()
    page.wait_for_selector("#renewed")

    wall_page = page.context.new_page()
    wall_violations = _watch(wall_page)
    wall_page.goto(wall)
    wall_page.wait_for_selector('[data-product][data-state="live"]', timeout=60_000)
    wall_page.screenshot(path="/tmp/sec2-csp-wall.png")
    page.locator("form[action$='/revoke/'] button[type=submit]").first.click()
    page.wait_for_selector('[data-status="revoked"]')
    wall_page.goto(wall)  # the same link, now gone
    assert wall_page.locator("text=no longer valid").count() == 1
    wall_page.screenshot(path="/tmp/sec2-csp-gone.png")
    wall_page.close()
    violations += wall_violations
    assert violations == [], "\n".join(sorted(set(violations)))
