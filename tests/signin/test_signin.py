"""Signing in and out: the token lives only in the server-side session, and dies with it."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.test import Client
from django.test.utils import override_settings

from signin.auth import EMAIL_KEY, TOKEN_KEY, session_token, store_token
from signin.auth import session_store as SessionStore
from signin.signals import signed_out
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

DAY = 86400


def _session(client: Client) -> SessionBase:
    return SessionStore(client.cookies["sessionid"].value)


def test_the_fleet_page_sends_a_stranger_to_sign_in_with_next(client):
    response = client.get("/?q=AA&page=2")
    assert response.status_code == 302
    assert response["Location"] == "/signin/?next=%2F%3Fq%3DAA%26page%3D2"


def test_signing_in_keeps_the_token_in_the_session_for_one_day(server, client):
    response = sign_in(client, "Fleet@Example.com")
    assert response.status_code == 302
    assert response["Location"] == "/"
    session = _session(client)
    token = session_token(session)
    assert token.count(".") == 2  # a JWT
    assert session[EMAIL_KEY] == "fleet@example.com"
    assert DAY - 60 < session.get_expiry_age() <= DAY
    for cookie in client.cookies.values():
        assert token not in cookie.value


def test_keep_me_signed_in_makes_the_session_last_thirty_days(server, client):
    sign_in(client, "fleet@example.com", keep=True)
    assert 30 * DAY - 60 < _session(client).get_expiry_age() <= 30 * DAY


def test_signing_in_cycles_the_session_key(server, client):
    client.get("/signin/")
    session = client.session
    session["before"] = "x"
    session.save()
    before = session.session_key
    sign_in(client, "fleet@example.com")
    assert client.cookies["sessionid"].value != before


def test_signing_in_returns_to_next(server, client):
    response = sign_in(client, "fleet@example.com", next_url="/?group=3")
    assert response["Location"] == "/?group=3"


def test_next_cannot_send_the_user_to_another_site(server, client):
    response = sign_in(client, "fleet@example.com", next_url="https://evil.example/")
    assert response["Location"] == "/"


def test_a_wrong_password_shows_the_upstreams_reason_and_never_echoes_it(server, client):
    response = client.post("/signin/", {"email": "fleet@example.com", "password": "hunter2-secret"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Invalid e-mail or password" in html
    assert "hunter2-secret" not in html
    assert 'value="fleet@example.com"' in html
    assert TOKEN_KEY not in client.session


def test_a_missing_email_gets_a_clear_message(client):
    response = client.post("/signin/", {"email": "", "password": "x"})
    assert response.status_code == 400
    assert "Enter the e-mail address of your VoltStorage account." in response.content.decode()


def test_an_unreachable_upstream_is_said_plainly_at_sign_in(client):
    with override_settings(
        VOLTSTORAGE_API_URL="http://127.0.0.1:9/rest", UPSTREAM_RETRY_DELAYS=(0, 0)
    ):
        response = client.post("/signin/", {"email": "fleet@example.com", "password": "x"})
    assert response.status_code == 503
    assert "VoltStorage API unreachable" in response.content.decode()


def test_an_upstream_401_ends_the_session_and_asks_to_sign_in_again(server, client):
    sign_in(client, "fleet@example.com")
    session = _session(client)
    store_token(session, "expired.or.revoked")
    session.save()
    response = client.get("/?state=offline")
    assert response.status_code == 302
    assert response["Location"] == "/signin/?next=%2F%3Fstate%3Doffline&expired=1"
    assert not SessionStore(session.session_key).exists(session.session_key)
    page = client.get(response["Location"])
    assert "Your session expired." in page.content.decode()


def test_an_htmx_request_with_an_expired_token_redirects_the_whole_page(server, client):
    sign_in(client, "fleet@example.com")
    session = _session(client)
    store_token(session, "expired.or.revoked")
    session.save()
    response = client.get(
        "/?q=AA",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/?q=A"},
    )
    assert response["HX-Redirect"] == "/signin/?next=%2F%3Fq%3DA&expired=1"


def test_signing_out_needs_a_post(server, client):
    sign_in(client, "fleet@example.com")
    assert client.get("/signout/").status_code == 405
    assert TOKEN_KEY in _session(client)


def test_signing_out_forgets_the_token_and_tells_listeners_first(server, client):
    sign_in(client, "fleet@example.com")
    key = client.cookies["sessionid"].value
    heard = []

    def listener(sender, session_key, **kwargs):
        heard.append((session_key, SessionStore(session_key).exists(session_key)))

    signed_out.connect(listener)
    try:
        response = client.post("/signout/")
    finally:
        signed_out.disconnect(listener)
    assert response["Location"] == "/signin/?signed_out=1"
    assert heard == [(key, True)]
    assert not SessionStore(key).exists(key)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_upstream_failure_on_sign_in_gives_its_words_as_its_own(server, client, language):
    """The API speaks English: its words follow a sentence of ours in the page's language and
    are marked ``lang="en"`` (the API's own throttling, stubbed: caused for real it would lock
    the emulator for every other test)."""
    import respx

    with respx.mock(assert_all_called=True) as upstream:
        upstream.post(url__regex=r"/rest/login/password$").respond(
            429, json={"errors": ["too many attempts <wait>"]}
        )
        answer = client.post(
            "/signin/",
            {"email": "fleet@example.com", "password": "voltstorage"},
            headers={"Accept-Language": language},
        )
    assert answer.status_code == 502
    html = answer.content.decode()
    ours = {
        "en": "The VoltStorage API refused the sign-in. Its answer:",
        "de": "Die VoltStorage-API hat die Anmeldung abgelehnt. Ihre Antwort:",
    }[language]
    assert f'{ours} <q lang="en" data-upstream-words>too many attempts &lt;wait&gt;</q>' in html
