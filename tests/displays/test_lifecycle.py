"""A display's life through the real pages, against the live emulator: create, view, rename,
revoke, expire; and the bad inputs the create form must refuse without storing anything."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection

from displays.models import Display
from tests.livefeed.conftest import _visible_ids

GONE_TEXT = "This display link is no longer valid — ask its owner for a new one."
BASE = {
    "name": "Operations room",
    "source": "products",
    "rotation": "20",
    "theme": "dark",
    "validity_days": "30",
    "password": "voltstorage",
}


def create(client, **fields) -> str:
    answer = client.post("/displays/", {**BASE, **fields})
    assert answer.status_code == 302, answer.content.decode()[:3000]
    page = client.get("/displays/").content.decode()
    match = re.search(r'class="wall-link" rel="noreferrer">https?://[^/]+(/wall/[^<]+)<', page)
    assert match, "the new link is shown once, on the list"
    assert match.group(1) not in client.get("/displays/").content.decode()  # only once
    return match.group(1)


def test_create_view_rename_revoke(fleet_client, fleet):
    ids = [p.id for p in fleet[:3]]
    wall = create(fleet_client, products=",".join(map(str, ids)))
    page = fleet_client.get(wall)
    assert page.status_code == 200
    html = page.content.decode()
    assert [int(i) for i in re.findall(r'data-product="(\d+)"', html)] == ids
    assert 'data-field="stateOfCharge"' in html
    assert page["Referrer-Policy"] == "no-referrer"
    display = Display.objects.get()
    assert display.last_seen_at is not None

    answer = fleet_client.post(f"/displays/{display.pk}/rename/", {"name": "Lobby"})
    assert answer.status_code == 302
    assert "Lobby" in fleet_client.get("/displays/").content.decode()
    assert "<title>Lobby</title>" in fleet_client.get(wall).content.decode()

    assert fleet_client.post(f"/displays/{display.pk}/revoke/").status_code == 302
    revoked = fleet_client.get(wall)
    unknown = fleet_client.get("/wall/" + "x" * 43 + "/")
    assert revoked.status_code == unknown.status_code == 404
    assert GONE_TEXT in revoked.content.decode()
    assert revoked.content == unknown.content  # no way to tell revoked from unknown
    assert 'data-status="revoked"' in fleet_client.get("/displays/").content.decode()


def test_expired_link_is_gone(fleet_client, fleet):
    wall = create(fleet_client, products=str(fleet[0].id), validity_days="2")
    assert fleet_client.get(wall).status_code == 200
    expiry = Display.objects.get().expires_at
    with time_machine.travel(expiry - dt.timedelta(minutes=1), tick=False):
        assert fleet_client.get(wall).status_code == 200
    with time_machine.travel(expiry + dt.timedelta(seconds=1), tick=False):
        expired = fleet_client.get(wall)
        unknown = fleet_client.get("/wall/unknown-secret/")
        assert expired.status_code == 404
        assert expired.content == unknown.content
    # The gone page looks again every 10 minutes: renewed, the wall comes back by itself.
    html = expired.content.decode()
    assert 'data-retry-seconds="600"' in html and "js/retry" in html
    renewed = fleet_client.post(
        f"/displays/{Display.objects.get().pk}/renew/",
        {"validity_days": "30", "password": "voltstorage"},
    )
    assert renewed.status_code == 302
    with time_machine.travel(expiry + dt.timedelta(minutes=10), tick=False):
        assert fleet_client.get(wall).status_code == 200
    # The user's own session is younger than the display; the list marks it expired.
    Display.objects.update(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    assert 'data-status="expired"' in fleet_client.get("/displays/").content.decode()


def test_last_seen_written_at_most_once_a_minute(fleet_client, fleet):
    wall = create(fleet_client, products=str(fleet[0].id))
    start = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        Display.objects.update(expires_at=start + dt.timedelta(days=1), last_seen_at=None)
        fleet_client.get(wall)
        assert Display.objects.get().last_seen_at == start
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        fleet_client.get(wall)
        assert Display.objects.get().last_seen_at == start
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        fleet_client.get(wall)
        assert Display.objects.get().last_seen_at == start + dt.timedelta(seconds=61)


def test_token_encrypted_at_rest(fleet_client, fleet):
    create(fleet_client, products=str(fleet[0].id))
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM displays_display")
        rows = cursor.fetchall()
    assert len(rows) == 1
    raw = " ".join(str(value) for value in rows[0])
    assert "eyJ" not in raw  # no JWT (header or payload) in any column
    from signin.tokens import open_token

    assert open_token(Display.objects.get().sealed_token).startswith("eyJ")


def test_wrong_password_stores_nothing(fleet_client, fleet):
    answer = fleet_client.post(
        "/displays/", {**BASE, "products": str(fleet[0].id), "password": "nope"}
    )
    assert answer.status_code == 400
    assert "That password is not right for fleet@example.com." in answer.content.decode()
    assert Display.objects.count() == 0


def test_product_the_user_may_not_see_is_named(owner1_client, fleet, server, owner1_token):
    mine = _visible_ids(server, owner1_token)
    foreign = next(p.id for p in fleet if p.id not in mine)
    answer = owner1_client.post("/displays/", {**BASE, "products": f"{mine[0]}, {foreign}"})
    assert answer.status_code == 400
    assert f"Your account may not see product {foreign}." in answer.content.decode()
    assert Display.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"products": ",".join(str(i) for i in range(1, 50))}, "at most 48 products"),
        ({"products": "1", "validity_days": "400"}, "at most 365 days (one year)"),
        ({"products": "1", "rotation": "5"}, "at least 10 seconds"),
        ({"products": "1, two"}, "“two” is not a product id"),
    ],
)
def test_limits_are_named(fleet_client, fields, message):
    answer = fleet_client.post("/displays/", {**BASE, **fields})
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert Display.objects.count() == 0


def test_refused_token_shows_renewal(fleet_client, fleet):
    """Upstream refuses the display's token (as after a password change): the wall says the
    link needs renewing, and the list shows it too."""
    from signin.tokens import seal_token

    wall = create(fleet_client, products=str(fleet[0].id))
    Display.objects.update(sealed_token=seal_token("eyJhbGciOiJIUzI1NiJ9.e30.not-valid"))
    html = fleet_client.get(wall).content.decode()
    assert "wall--renew" in html
    assert Display.objects.get().needs_renewal
    listing = fleet_client.get("/displays/").content.decode()
    assert "display link needs renewing" in listing
