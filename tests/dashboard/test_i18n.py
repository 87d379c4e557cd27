"""Every page in German and in English: the language switch, Accept-Language, and no text that
escaped translation. Pages are rendered by the real views against the real emulator."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.conftest import sign_in
from tests.products.conftest import (
    ERROR_PRODUCT,
    FOREIGN_TO_OWNER1,
    NOT_INSTALLED_PRODUCT,
    live_sign_in,
)

pytestmark = pytest.mark.django_db

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}

# Words and phrases a German page must not show (brand and product names aside). Matched as
# whole words, case-sensitively, in what a reader sees or hears: text, titles, aria labels,
# placeholders, the live widget's texts and the charts' legends and axis titles.
ENGLISH = [
    "Sign in", "Sign out", "Fleet", "Online", "Offline", "Export", "Statistics",
    "Last 15 minutes", "Search", "Group", "Owner", "Installed", "Not installed", "not installed",
    "Serial number", "Previous", "Next", "Page", "Details", "Latest values", "Day detail",
    "Download", "From", "Energy", "Connecting", "Password", "Today", "days", "Temperatures",
    "Self-sufficiency", "Household", "Grid", "Battery", "Type", "Status", "Errors", "Show",
    "Apply", "All", "Try again", "products", "Stored", "Released", "Consumed", "charging",
    "idle", "ago", "data", "the", "and", "of", "to", "is", "with", "Mon", "Tue", "Wed", "Thu",
    "Fri", "Sat", "Sun", "Mar", "May", "Oct", "Dec",
]  # fmt: skip
ENGLISH_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b")
READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}
SKIP = {"script", "style", "code"}  # code: URLs and e-mail addresses


class _Readable(HTMLParser):
    """What a reader of the page sees or hears, without the brand and code samples, and
    without elements that declare another language (the switch's "English")."""

    VOID = {"input", "meta", "link", "br", "img", "hr", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.stack: list[bool] = []  # per open element: is its content skipped?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skipped = bool(self.stack and self.stack[-1])
        skipped = skipped or tag in SKIP or "brand" in (values.get("class") or "").split()
        skipped = skipped or values.get("lang", "de") != "de"
        if not skipped:
            self.texts += [v for k, v in attrs if k in READ_ATTRIBUTES and v]
            if "data-live-texts" in values:
                self.texts += [v for k, v in attrs if k.startswith("data-") and v]
        if tag not in self.VOID:
            self.stack.append(skipped)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]) and data.strip():
            self.texts.append(data)


def _figure_texts(html: str) -> list[str]:
    """Legend names, axis titles and category labels of every Plotly figure on the page."""
    texts = []
    for body in re.findall(r'<script id="fig-[\w-]+" type="application/json">(.*?)</script>', html):
        figure = json.loads(body)
        for trace in figure["data"]:
            texts.append(trace["name"])
            texts += [x for x in trace["x"] if isinstance(x, str)]
        for key, axis in figure["layout"].items():
            if key.startswith(("xaxis", "yaxis")):
                texts.append(axis.get("title", {}).get("text", ""))
                texts += axis.get("ticktext", [])
    return texts


def english_left(html: str) -> list[str]:
    parser = _Readable()
    parser.feed(html)
    found = set()
    for text in parser.texts + _figure_texts(html):
        found.update(ENGLISH_RE.findall(text.replace("VoltStorage Fleet", "")))  # the brand
    return sorted(found)


def german(client: Client, path: str, expected: int = 200, **kwargs) -> str:
    response = client.get(path, headers=GERMAN, **kwargs)
    assert response.status_code == expected, response.content[:300]
    html = response.content.decode()
    if "<html" in html:
        assert '<html lang="de">' in html
    return html


def test_the_checker_catches_an_english_word_and_skips_the_brand():
    assert english_left('<p>Flotte</p><a class="brand">VoltStorage <span>Fleet</span></a>') == []
    assert english_left('<p title="Last 15 minutes">x</p>') == ["Last 15 minutes"]
    assert english_left('<button lang="en">English</button><p>Sign in</p>') == ["Sign in"]


def test_the_sign_in_page_in_german(server):
    client = Client()
    for path in ("/signin/", "/signin/?expired=1", "/signin/?signed_out=1"):
        html = german(client, path)
        assert "<h1>Anmelden</h1>" in html
        assert english_left(html) == [], path
    response = client.post("/signin/", {"email": "not-an-address", "password": ""}, headers=GERMAN)
    html = response.content.decode()
    assert "Geben Sie eine gültige E-Mail-Adresse ein" in html
    assert "Geben Sie Ihr Passwort ein." in html
    assert english_left(html) == []


def test_the_fleet_overview_in_german(fleet_client, fleet):
    for path in ("/", "/?state=offline", "/?q=zzzz-no-such-product", "/?group=999999&page=2"):
        html = german(fleet_client, path)
        assert english_left(html) == [], path
    html = german(fleet_client, "/")
    assert "<h1>Flotte</h1>" in html
    assert "Seriennummer" in html and 'data-label="Seriennummer"' in html


def test_the_fleet_tiles_and_notices_in_german(fleet_client, fleet):
    html = german(fleet_client, "/?group=999999", HTTP_HX_REQUEST="true")
    assert "group=999999 ignoriert" in html
    assert english_left(html) == []


@pytest.mark.parametrize(
    "path",
    [
        "/products/1/",
        f"/products/{ERROR_PRODUCT}/",
        f"/products/{NOT_INSTALLED_PRODUCT}/",
        "/products/1/?range=year",
        "/products/1/?range=today",
        "/products/1/?range=lifetime",
        "/products/1/?range=custom&start=2030-01-01&end=2030-01-02",
        "/products/1/day",
        "/products/1/day?date=junk",
        f"/products/{NOT_INSTALLED_PRODUCT}/day",
        "/products/1/export?start=2026-11-02&end=2026-11-01",
        "/products/1/export?start=2020-01-01&end=2026-11-01",
    ],
)
def test_every_product_page_in_german_has_no_english_left(fleet_client, fleet, path):
    expected = 400 if "/export" in path else 200
    assert english_left(german(fleet_client, path, expected)) == []


def test_the_statistics_fragment_and_the_day_fragment_in_german(fleet_client, fleet):
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "stats"}
    html = german(fleet_client, "/products/1/?range=30d", **htmx)
    assert "Energie pro Tag" in html and english_left(html) == []
    html = german(fleet_client, "/products/1/day?date=2026-03-29", HTTP_HX_REQUEST="true")
    assert english_left(html) == []


def test_the_product_page_in_german_explains_its_error_codes_in_german(fleet_client, fleet):
    html = german(fleet_client, f"/products/{ERROR_PRODUCT}/")
    assert "Abweichende Betriebsstrategie" in html
    assert "Standard-Eigenverbrauchsmodus" in html
    assert ">Hinweis</span>" in html  # the severity badge


def test_the_upstream_error_page_in_german(server, db):
    client = Client()
    assert sign_in(client, "owner1@example.com").status_code == 302
    html = german(client, f"/products/{FOREIGN_TO_OWNER1}/", expected=403)
    assert "Für Ihr Konto nicht verfügbar" in html
    assert english_left(html) == []


def test_a_german_csv_export_keeps_the_upstreams_column_labels(server, db):
    client = live_sign_in(server, "fleet@example.com")
    client.headers.update(GERMAN)
    try:
        assert '<html lang="de">' in client.get("/products/1/").text
        response = client.get(
            "/products/1/export",
            params=[
                ("start", "2026-11-01"),
                ("end", "2026-11-01"),
                ("fields", "pvPower"),
                ("fields", "status"),
            ],
        )
        assert response.status_code == 200, response.text[:300]
        lines = response.text.split("\r\n")
        assert lines[0] == "sep=,"
        assert lines[1] == "Time,Power_PV,Status"  # the upstream's labels (contract), not ours
        assert "Zustand" not in response.text
        client.headers["Accept-Language"] = "en"
        english = client.get("/products/1/export", params=response.request.url.params)
        assert english.content == response.content  # the same file in every language
    finally:
        client.close()


def test_the_switch_remembers_the_language_in_a_cookie(fleet_client, fleet):
    response = fleet_client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies["django_language"].value == "de"
    assert "<h1>Flotte</h1>" in fleet_client.get("/").content.decode()  # no Accept-Language
    fleet_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "<h1>Fleet</h1>" in fleet_client.get("/", headers=GERMAN).content.decode()


def test_an_unknown_language_falls_back_to_english_without_an_error(server, db):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/signin/"})
    assert response.status_code == 302
    assert "django_language" not in response.cookies
    html = client.get("/signin/").content.decode()
    assert '<html lang="en">' in html and "<h1>Sign in</h1>" in html


@pytest.mark.parametrize("junk", ["%%%;q=abc,,,", "zz-ZZZ-1234567890", "de;q=x", "*"])
def test_accept_language_junk_is_ignored(server, db, junk):
    response = Client().get("/signin/", headers={"Accept-Language": junk})
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode() or junk.startswith("de")


def test_the_first_visit_follows_accept_language(server, db):
    assert "<h1>Anmelden</h1>" in Client().get("/signin/", headers=GERMAN).content.decode()
    english = {"Accept-Language": "en-GB,en;q=0.9,de;q=0.8"}
    assert "<h1>Sign in</h1>" in Client().get("/signin/", headers=english).content.decode()


def test_the_product_page_formats_numbers_and_dates_per_language(fleet_client, fleet):
    german_html = german(fleet_client, "/products/1/")
    english_html = fleet_client.get("/products/1/", headers={"Accept-Language": "en"})
    english_html = english_html.content.decode()
    months = r"(Jan\.|Feb\.|März|April|Mai|Juni|Juli|Aug\.|Sept\.|Okt\.|Nov\.|Dez\.)"
    installed = r"<dt>{}</dt><dd>{}</dd>"
    assert re.search(installed.format("Installiert", rf"\d{{1,2}}\. {months} \d{{4}}"), german_html)
    assert re.search(installed.format("Installed", r"\d{1,2} [A-Z][a-z]{2} \d{4}"), english_html)
    assert re.search(r"<dd>−?\d+,\d\d kW</dd>", german_html)
    assert re.search(r"<dd>−?\d+\.\d\d kW</dd>", english_html)
    assert not re.search(r"<dd>−?\d+\.\d\d kW</dd>", german_html)


def test_the_not_found_page_in_german(fleet_client, fleet):
    html = german(fleet_client, "/no-such-page/", expected=404)
    assert "Seite nicht gefunden" in html
    assert english_left(html) == []


def test_the_server_error_page_in_german():
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("de"):
        html = render_to_string("500.html")
    assert '<html lang="de">' in html and "Etwas ist schiefgegangen" in html
    assert english_left(html) == []


def test_the_database_outage_page_in_german():
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("de"):
        html = render_to_string("503.html", {"retry_seconds": 30})
    assert '<html lang="de">' in html and "Die Datenbank des Dashboards antwortet nicht" in html
    assert "in 30 Sekunden von selbst" in html
    assert english_left(html) == []
