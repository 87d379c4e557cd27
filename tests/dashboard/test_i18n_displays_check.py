"""The wall displays and the installer's check in German: no English left on the display list
(with its form errors), the wall (including the texts its script writes), the "gone" page, the
check page, its refreshed checklist and the report. Rendered by the real views against the real
emulator, as ``test_i18n.py`` does for the older pages."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.dashboard.test_i18n import GERMAN, english_left, german
from tests.products.conftest import ERROR_PRODUCT

pytestmark = pytest.mark.django_db


def _standalone(client: Client, path: str, expected: int = 200) -> str:
    """The wall's own pages (no base template: their <html> has a class too)."""
    response = client.get(path, headers=GERMAN)
    assert response.status_code == expected, response.content[:300]
    html = response.content.decode()
    assert '<html lang="de" ' in html
    return html


def _create(client: Client, **fields: str):
    data = {
        "name": "Leitstand",
        "source": "products",
        "products": "1, 2, 3",
        "rotation": "20",
        "theme": "dark",
        "validity_days": "30",
        "password": PASSWORD,
        **fields,
    }
    return client.post("/displays/", data, headers=GERMAN)


def _wall_path(client: Client) -> str:
    """Create a display through the form, in German, and read its link off the list."""
    assert _create(client).status_code == 302
    html = german(client, "/displays/")
    assert "Bildschirm angelegt." in html
    assert english_left(html) == []
    match = re.search(r'class="wall-link" rel="noreferrer">https?://[^/]+(/wall/[^<]+)<', html)
    assert match, "the new display's link is not on the list"
    return match.group(1)


def test_the_display_list_in_german(fleet_client, fleet):
    html = german(fleet_client, "/displays/")
    assert "<h1>Wandbildschirme</h1>" in html
    assert ">Bildschirme</a>" in html  # the header's link
    assert english_left(html) == []


def test_the_display_form_errors_in_german(fleet_client, fleet):
    response = _create(fleet_client, name="", products="1, x", rotation="5", validity_days="999")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Geben Sie dem Bildschirm einen Namen" in html
    assert "„x“ ist keine Produkt-ID" in html
    assert "frühestens nach 10 Sekunden" in html
    assert "höchstens 365 Tage" in html
    assert english_left(html) == []
    response = _create(fleet_client, password="not-the-password")
    html = response.content.decode()
    assert "Das Passwort für fleet@example.com ist nicht richtig." in html
    assert english_left(html) == []


def test_the_display_list_with_a_display_in_german(fleet_client, fleet):
    _wall_path(fleet_client)
    html = german(fleet_client, "/displays/")
    assert "<td>3 ausgewählte Produkte</td>" in html
    assert ">Widerrufen</button>" in html
    assert english_left(html) == []


def test_renewing_a_display_in_german(fleet_client, fleet):
    from displays.models import Display

    _wall_path(fleet_client)
    display = Display.objects.get()
    Display.objects.update(needs_renewal=True)
    html = german(fleet_client, "/displays/")
    assert "Erneuern Sie diese Bildschirm-Links" in html
    assert f'<details class="renew" id="renew-{display.pk}" open>' in html
    assert english_left(html) == []
    path = f"/displays/{display.pk}/renew/"
    refused = fleet_client.post(path, {"validity_days": "ewig", "password": "nope"}, headers=GERMAN)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "„Gültig für“ ist eine ganze Zahl von Tagen" in html
    assert english_left(html) == []
    refused = fleet_client.post(path, {"validity_days": "30", "password": "nope"}, headers=GERMAN)
    html = refused.content.decode()
    assert "Das Passwort für fleet@example.com ist nicht richtig." in html
    assert english_left(html) == []
    renewed = {"validity_days": "30", "password": PASSWORD}
    assert fleet_client.post(path, renewed, headers=GERMAN).status_code == 302
    html = german(fleet_client, "/displays/")
    assert "„Leitstand“ erneuert." in html and "innerhalb von 20 Sekunden" in html
    assert english_left(html) == []


def test_the_wall_in_german_with_the_texts_its_script_writes(fleet_client, fleet):
    path = _wall_path(fleet_client)
    html = _standalone(Client(), path)  # nobody signed in on the wall
    assert english_left(html) == []
    texts = json.loads(re.search(r'id="wall-texts" type="application/json">(.*?)<', html)[1])
    assert texts["live"] == "aktuell" and texts["page"] == "Seite %1 von %2"
    assert english_left("".join(f"<p>{text}</p>" for text in texts.values())) == []


def test_the_gone_page_in_german(server, db):
    html = _standalone(Client(), "/wall/no-such-secret/", expected=404)
    assert "Dieser Bildschirm-Link ist nicht mehr gültig" in html
    assert english_left(html) == []


@pytest.mark.parametrize("product", [1, ERROR_PRODUCT])
def test_the_installers_check_in_german(fleet_client, fleet, product):
    html = german(fleet_client, f"/products/{product}/check/")
    assert "<h1>Inbetriebnahmeprüfung</h1>" in html
    assert english_left(html) == []
    fragment = german(fleet_client, f"/products/{product}/check/", HTTP_HX_REQUEST="true")
    assert 'id="checklist"' in fragment and english_left(fragment) == []
    report = german(fleet_client, f"/products/{product}/check/report/")
    assert "<h1>Inbetriebnahmeprotokoll</h1>" in report
    assert english_left(report) == []
