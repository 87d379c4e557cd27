"""Every page type under the Content-Security-Policy in Chromium: no violation in the console."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def _watch(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
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
