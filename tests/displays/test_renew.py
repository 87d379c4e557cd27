"""Renewing a display through the real pages, against the live emulator: a new sign-in
upstream with the validity the owner picks, a new sealed token and expiry, and the same link;
the bad inputs (wrong password, unknown validity, someone else's display, a revoked one)
change nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from displays.models import Display
from signin.tokens import open_token, seal_token
from tests.displays.test_lifecycle import BASE, create

FORGED = "eyJhbGciOiJIUzI1NiJ9.e30.not-valid"
RENEW = {"validity_days": "30", "password": "voltstorage"}


def _renew(client, display_id: int, **fields: str):
    return client.post(f"/displays/{display_id}/renew/", {**RENEW, **fields})


def _refused(display: Display) -> None:
    """Upstream refuses the display's token, as after a password change."""
    Display.objects.filter(pk=display.pk).update(sealed_token=seal_token(FORGED))


def test_renew_keeps_the_link_and_replaces_the_token_and_expiry(fleet_client, fleet):
    wall = create(fleet_client, products=str(fleet[0].id), validity_days="2")
    before = Display.objects.get()
    _refused(before)
    assert "wall--renew" in fleet_client.get(wall).content.decode()
    assert Display.objects.get().needs_renewal

    answer = _renew(fleet_client, before.pk, validity_days="30")
    assert answer.status_code == 302 and answer["Location"] == "/displays/"
    after = Display.objects.get()
    assert after.secret_hash == before.secret_hash  # the same link
    assert not after.needs_renewal
    token = open_token(after.sealed_token)
    assert token.startswith("eyJ") and token not in (FORGED, open_token(before.sealed_token))
    expected = timezone.now() + dt.timedelta(days=30)
    assert abs(after.expires_at - expected) < dt.timedelta(minutes=1)
    assert after.expires_at > before.expires_at + dt.timedelta(days=27)

    page = fleet_client.get(wall)  # the very same URL shows live tiles again
    assert page.status_code == 200 and "wall--renew" not in page.content.decode()
    listing = fleet_client.get("/displays/").content.decode()
    assert "“Operations room” renewed." in listing
    assert "picks up the new sign-in by itself within 20 seconds" in listing
    assert 'data-status="active"' in listing
    assert "renewed." not in fleet_client.get("/displays/").content.decode()  # shown once


def test_the_raw_row_holds_no_jwt_after_renewing(fleet_client, fleet):
    create(fleet_client, products=str(fleet[0].id))
    assert _renew(fleet_client, Display.objects.get().pk).status_code == 302
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM displays_display")
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert "eyJ" not in " ".join(str(value) for value in rows[0])


def test_a_wrong_password_is_named_beside_the_field_and_changes_nothing(fleet_client, fleet):
    create(fleet_client, products=str(fleet[0].id))
    before = Display.objects.get()
    answer = _renew(fleet_client, before.pk, password="nope")
    assert answer.status_code == 400
    html = answer.content.decode()
    error = re.search(r'<span class="field-error" id="id_password_error"[^>]*>([^<]+)<', html)
    assert error and error[1] == "That password is not right for fleet@example.com."
    assert 'id="renew-display"' in html  # the form again, as the no-JS fallback
    assert "nope" not in html  # the password is never rendered back
    after = Display.objects.get()
    assert (after.sealed_token, after.expires_at) == (before.sealed_token, before.expires_at)


@pytest.mark.parametrize(
    ("validity", "message"),
    [
        ("forever", "“Valid for” is a whole number of days, from 1 to 365."),
        ("400", "A display link is valid for at most 365 days (one year)."),
        ("0", "A display link is valid for at least 1 day."),
        ("", "Enter how many days the display link is valid (1 to 365)."),
    ],
)
def test_an_unknown_validity_is_named_beside_its_field(fleet_client, fleet, validity, message):
    create(fleet_client, products=str(fleet[0].id))
    before = Display.objects.get()
    answer = _renew(fleet_client, before.pk, validity_days=validity)
    assert answer.status_code == 400
    html = answer.content.decode()
    assert f'<span class="field-error" id="id_validity_days_error" role="alert">{message}' in html
    assert '<label for="id_validity_days">Valid for (days)</label>' in html
    assert Display.objects.get().sealed_token == before.sealed_token


def test_someone_elses_display_is_not_found(fleet_client, owner1_client, fleet):
    create(fleet_client, products=str(fleet[0].id))
    before = Display.objects.get()
    assert _renew(owner1_client, before.pk).status_code == 404
    assert _renew(owner1_client, before.pk + 1000).status_code == 404
    assert Display.objects.get().sealed_token == before.sealed_token


def test_a_revoked_display_cannot_be_renewed(fleet_client, fleet):
    wall = create(fleet_client, products=str(fleet[0].id))
    display = Display.objects.get()
    assert fleet_client.post(f"/displays/{display.pk}/revoke/").status_code == 302
    assert _renew(fleet_client, display.pk).status_code == 404
    assert Display.objects.get().revoked_at is not None
    assert fleet_client.get(wall).status_code == 404
    assert f'id="renew-{display.pk}"' not in fleet_client.get("/displays/").content.decode()


def test_an_expired_display_is_renewed_under_the_same_link(fleet_client, fleet):
    wall = create(fleet_client, products=str(fleet[0].id))
    Display.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert fleet_client.get(wall).status_code == 404
    assert _renew(fleet_client, Display.objects.get().pk, validity_days="1").status_code == 302
    assert fleet_client.get(wall).status_code == 200


def test_renew_takes_only_a_post_with_the_csrf_token(fleet_client, fleet):
    from django.test import Client

    create(fleet_client, products=str(fleet[0].id))
    display = Display.objects.get()
    assert fleet_client.get(f"/displays/{display.pk}/renew/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = fleet_client.cookies  # the owner's session, without the form's token
    assert strict.post(f"/displays/{display.pk}/renew/", RENEW).status_code == 403
    assert Display.objects.get().sealed_token == display.sealed_token


def test_the_list_offers_renew_for_each_display_and_first_for_those_that_need_it(
    fleet_client, fleet
):
    create(fleet_client, products=str(fleet[0].id), name="Lobby")
    create(fleet_client, products=str(fleet[1].id), name="Showroom")
    lobby, showroom = Display.objects.get(name="Lobby"), Display.objects.get(name="Showroom")
    html = fleet_client.get("/displays/").content.decode()
    for display in (lobby, showroom):
        assert f'action="/displays/{display.pk}/renew/"' in html
        assert f'id="renew-{display.pk}-validity_days"' in html
    assert 'id="to-renew"' not in html and " open>" not in html

    Display.objects.filter(pk=lobby.pk).update(needs_renewal=True)
    Display.objects.filter(pk=showroom.pk).update(expires_at=timezone.now() + dt.timedelta(days=3))
    html = fleet_client.get("/displays/").content.decode()
    banner = re.search(r'id="to-renew">(.*?)</div>', html, re.S)[1]
    assert f'href="#renew-{lobby.pk}">Lobby</a>' in banner
    assert f'href="#renew-{showroom.pk}">Showroom</a>' in banner
    assert f'<details class="renew" id="renew-{lobby.pk}" open>' in html
    assert f'<details class="renew" id="renew-{showroom.pk}" open>' in html
    assert 'data-status="expiring"' in html and "expires soon" in html


@pytest.mark.usefixtures("empty_cache")
def test_guessing_the_password_through_renew_or_create_meets_sign_ins_throttle(
    fleet_client, fleet, settings
):
    """A stolen session must not become a way to guess the account's password without limit:
    the display forms count failures with sign-in's counters and lock as sign-in does."""
    create(fleet_client, products=str(fleet[0].id))
    display = Display.objects.get()
    settings.SIGNIN_FREE_FAILURES, settings.SIGNIN_LOCK_FAILURES = 1, 2
    for _ in range(2):
        assert _renew(fleet_client, display.pk, password="guess").status_code == 400
    locked = _renew(fleet_client, display.pk)  # the right password, but locked
    assert locked.status_code == 429 and locked["Retry-After"] == "600"
    html = locked.content.decode()
    assert "Too many attempts — try again in 10 minutes." in html
    assert Display.objects.get().sealed_token == display.sealed_token
    again = fleet_client.post("/displays/", {**BASE, "products": str(fleet[0].id)})
    assert again.status_code == 429
    assert "Too many attempts" in again.content.decode()
    assert Display.objects.count() == 1
