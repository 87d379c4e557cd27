"""The display pages under the security rules: the Content-Security-Policy on every response,
no inline script or style, ``Cache-Control: no-store`` on the signed-in pages, and on the wall
and its "gone" page too (their URL is the credential)."""

from __future__ import annotations

from django.test import Client

from displays.models import Display
from tests.displays.test_lifecycle import BASE, create
from tests.security.test_settings_and_headers import CSP


def _assert_safe(response, url: str) -> None:
    assert response.status_code < 500, url
    assert response["Content-Security-Policy"] == CSP, url
    assert response["Cache-Control"] == "no-store", url
    html = response.content.decode()
    assert "<style" not in html and " style=" not in html, url
    assert "<script>" not in html and " onclick=" not in html, url


def test_every_display_page_carries_the_policy_and_is_not_stored(fleet_client, fleet):
    _assert_safe(fleet_client.get("/displays/"), "list")
    refused = fleet_client.post("/displays/", {**BASE, "products": "", "name": ""})
    assert refused.status_code == 400
    _assert_safe(refused, "create form with errors")
    wall = create(fleet_client, products=str(fleet[0].id))
    _assert_safe(fleet_client.get("/displays/"), "list with the new link")
    display = Display.objects.get()
    bad_name = fleet_client.post(f"/displays/{display.pk}/rename/", {"name": ""})
    assert bad_name.status_code == 400
    _assert_safe(bad_name, "rename with an error")
    renamed = fleet_client.post(f"/displays/{display.pk}/rename/", {"name": "Lobby"})
    assert renamed.status_code == 302
    _assert_safe(renamed, "rename")
    bad_renewal = fleet_client.post(
        f"/displays/{display.pk}/renew/", {"validity_days": "30", "password": "nope"}
    )
    assert bad_renewal.status_code == 400
    _assert_safe(bad_renewal, "renew with an error")
    renewed = fleet_client.post(
        f"/displays/{display.pk}/renew/", {"validity_days": "30", "password": BASE["password"]}
    )
    assert renewed.status_code == 302
    _assert_safe(renewed, "renew")
    _assert_safe(fleet_client.get("/displays/"), "list after a renewal")
    wrong_method = fleet_client.get(f"/displays/{display.pk}/rename/")
    assert wrong_method.status_code == 405  # refused before the session is read: no data in it
    assert wrong_method["Content-Security-Policy"] == CSP

    stranger = Client()  # the wall has no sign-in: its secret is the credential
    page = stranger.get(wall)
    assert page.status_code == 200
    _assert_safe(page, "wall")
    assert page["Referrer-Policy"] == "no-referrer"
    gone = stranger.get("/wall/" + "x" * 43 + "/")
    assert gone.status_code == 404
    _assert_safe(gone, "gone")
    assert fleet_client.post(f"/displays/{display.pk}/revoke/").status_code == 302
    _assert_safe(stranger.get(wall), "revoked wall")


def test_a_stranger_on_the_display_list_is_sent_to_sign_in_under_the_policy(db):
    response = Client().get("/displays/")
    assert response.status_code == 302 and response["Location"].startswith("/signin/")
    assert response["Content-Security-Policy"] == CSP
