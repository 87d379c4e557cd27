"""Browser fixtures: a page signed in through the real sign-in form of the live server."""

from __future__ import annotations

import os

import pytest

from tests.conftest import PASSWORD

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# the tests' own database reads (the live server is a separate process and is unaffected).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


def sign_in_page(page, server, email: str = "fleet@example.com", *, next_path: str = "/") -> None:
    """Sign in through the form, as a person would, and wait for the page behind it."""
    page.goto(f"{server.url}{next_path}")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/signin/'] button[type=submit]")
    page.wait_for_url(f"{server.url}{next_path}")


@pytest.fixture
def signed_in_page(page, server):
    """A Chromium page signed in as the fleet manager, on the fleet overview."""
    sign_in_page(page, server)
    return page
