"""The idle timeout and the absolute session lifetime, through real requests at frozen instants.

Only this test process travels in time: the dashboard's guard (``signin/auth.py``) runs here
and sees the moved clock, while the emulator (the live server) keeps real time, so the
upstream token itself stays valid and only the session's own rules can end it.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

from signin.auth import TOKEN_KEY
from signin.auth import session_store as SessionStore
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

START = dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC)
IDLE_MESSAGE = "You were signed out after inactivity."
EXPIRED_MESSAGE = "Your session expired."


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _signed_in(email: str = "owner1@example.com", *, keep: bool = False) -> Client:
    client = Client()
    assert sign_in(client, email, keep=keep).status_code == 302
    return client


def _assert_sent_to_signin(client: Client, url: str, reason: str, message: str) -> None:
    """The page sends the user to sign in, saying why, and the session is gone for good."""
    key = client.cookies["sessionid"].value
    response = client.get(url)
    assert response.status_code == 302, url
    assert response["Cache-Control"] == "no-store"
    location = response["Location"]
    assert location.startswith("/signin/?") and f"expired={reason}" in location, location
    page = client.get(location)
    assert page.status_code == 200
    html = page.content.decode()
    assert message in html
    assert f'data-ended="{reason}"' in html
    assert "Demo accounts" in html  # the ordinary sign-in form, nothing broken
    assert SessionStore(key).get(TOKEN_KEY) is None  # the old session holds no token
    again = client.get(url)
    assert again.status_code == 302 and "expired=" not in again["Location"]


def test_an_unused_session_ends_after_the_idle_timeout(server, clock, empty_cache):
    client = _signed_in()
    assert client.get("/").status_code == 200
    clock.shift(settings.SESSION_IDLE_TIMEOUT - 60)
    assert client.get("/").status_code == 200  # in use: the idle clock starts again
    clock.shift(settings.SESSION_IDLE_TIMEOUT - 60)
    assert client.get("/").status_code == 200  # longer than the timeout since sign-in, but used
    clock.shift(settings.SESSION_IDLE_TIMEOUT + 1)
    _assert_sent_to_signin(client, "/products/1/", "idle", IDLE_MESSAGE)


def test_keep_me_signed_in_allows_a_longer_idle_time(server, clock, empty_cache):
    client = _signed_in(keep=True)
    clock.shift(settings.SESSION_IDLE_TIMEOUT + 1)
    assert client.get("/").status_code == 200
    clock.shift(settings.SESSION_KEEP_IDLE_TIMEOUT + 1)
    _assert_sent_to_signin(client, "/", "idle", IDLE_MESSAGE)


@override_settings(SESSION_ABSOLUTE_LIFETIME=3 * 3600)
def test_a_session_in_constant_use_still_ends_at_its_absolute_lifetime(server, clock, empty_cache):
    client = _signed_in(keep=True)
    for _ in range(2):
        clock.shift(3601)
        assert client.get("/").status_code == 200
    clock.shift(3601)
    _assert_sent_to_signin(client, "/", "lifetime", EXPIRED_MESSAGE)


def test_an_htmx_request_after_the_timeout_sends_the_whole_page_to_sign_in(
    server, clock, empty_cache
):
    client = _signed_in()
    clock.shift(settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get(
        "/?q=AA",
        headers={"HX-Request": "true", "HX-Target": "fleet-results", "HX-Current-URL": "/?q=AA"},
    )
    assert response.status_code == 200  # htmx follows HX-Redirect, not a 3xx
    assert response["HX-Redirect"] == "/signin/?next=%2F%3Fq%3DAA&expired=idle"


def test_the_sign_in_page_ignores_an_unknown_reason(client, db):
    html = client.get("/signin/?expired=<script>").content.decode()
    assert "data-ended" not in html and "&lt;script&gt;" not in html
