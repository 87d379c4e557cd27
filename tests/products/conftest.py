"""Signed-in clients for the product page: Django's test client in-process (for time travel
and transport faults) and httpx against the live server (for streamed exports)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import PASSWORD

FLAKY_PRODUCT = 50  # offline for hours on most days (sim_offline_rate 0.6)
ERROR_PRODUCT = 16  # carries nonDefaultStrategy; owner 1
NOT_INSTALLED_PRODUCT = 6
FOREIGN_TO_OWNER1 = 1  # belongs to owner 2


def live_sign_in(server, email: str) -> httpx.Client:
    """A signed-in httpx client; the caller closes it."""
    client = httpx.Client(base_url=server.url, timeout=120)
    page = client.get("/signin/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/signin/",
        data={"email": email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{server.url}/signin/"},
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def live_fleet(server) -> Iterator[httpx.Client]:
    """httpx signed in as the fleet manager on the live server (real streaming responses)."""
    client = live_sign_in(server, "fleet@example.com")
    try:
        yield client
    finally:
        client.close()
