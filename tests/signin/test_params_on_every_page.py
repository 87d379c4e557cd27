"""Junk in any query parameter of any page or fragment: never a 5xx, always a message that
names the parameter (the live server, signed in as the fleet manager, as a user would try it).

Pages ignore junk in their state with a visible notice and still answer 200; the export
refuses junk with 400 and the message beside the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from tests.products.conftest import live_sign_in

JUNK = ["³", "²", "١", "-1", "+1", "99999999999999999999999", "", " 1", "1,,2", "0x10"]

# (page, fragment headers or None for the whole page, parameters, base query)
FLEET = ["q", "group", "owner", "installed", "state", "sort", "size", "page"]
PRODUCT = ["range", "start", "end", "back"]
DAY = ["date", "back"]
EXPORT = ["format", "start", "end", "fields", "tz", "precision", "tolerance", "separator", "back"]
FREE_TEXT = {"q", "back"}  # any text is a search or a link back: nothing to refuse
# Values a reader takes as they are meant: surrounding spaces go, a minus sign is part of a
# UTC offset; everything else in JUNK is refused (or, when empty, means the default).
ACCEPTED = {
    "page": {" 1"},
    "group": {" 1"},  # a well-formed id, which may still not be one of the viewer's groups
    "owner": {" 1"},
    "tz": {" 1", "-1"},
    "precision": {" 1"},
    "tolerance": {" 1"},
}
PAGES = {
    "fleet": ("/", None, FLEET, {}),
    "fleet results fragment": (
        "/",
        {"HX-Request": "true", "HX-Target": "fleet-results"},
        FLEET,
        {},
    ),
    "product": ("/products/1/", None, PRODUCT, {}),
    "statistics fragment": (
        "/products/1/",
        {"HX-Request": "true", "HX-Target": "stats"},
        PRODUCT,
        {"range": "custom", "start": "2026-01-01", "end": "2026-01-02"},
    ),
    "day detail": ("/products/1/day", None, DAY, {}),
    "day fragment": ("/products/1/day", {"HX-Request": "true"}, DAY, {}),
}


@pytest.fixture(scope="module")
def live(server) -> Iterator[httpx.Client]:
    client = live_sign_in(server, "fleet@example.com")
    try:
        yield client
    finally:
        client.close()


def _cases() -> Iterator[tuple[str, str, str]]:
    for page, (_, _, names, _) in PAGES.items():
        for name in names:
            for value in JUNK:
                yield page, name, value


@pytest.mark.parametrize(("page", "name", "value"), list(_cases()))
def test_junk_in_a_page_parameter_is_ignored_with_a_notice_naming_it(live, page, name, value):
    path, headers, _, base = PAGES[page]
    response = live.get(path, params={**base, name: value}, headers=headers or {})

    assert response.status_code == 200, response.text[:500]
    if value.strip() == "" or name in FREE_TEXT or value in ACCEPTED.get(name, ()):
        return
    assert f"{name}=&#x27;{value}&#x27;" in response.text


def _export_base() -> dict[str, str]:
    day = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).date().isoformat()
    return {"format": "csv", "start": day, "end": day, "fields": "status"}


@pytest.mark.parametrize("value", JUNK)
@pytest.mark.parametrize("name", EXPORT)
def test_junk_in_an_export_parameter_is_refused_with_a_message_naming_it(live, name, value):
    params = {**_export_base(), name: value}
    response = live.get("/products/1/export", params=params)

    assert response.status_code < 500, response.text[:500]
    required = name in {"start", "end"}
    if name in FREE_TEXT or value in ACCEPTED.get(name, ()) or (not value.strip() and not required):
        assert response.status_code == 200
        return
    assert response.status_code == 400
    if value.strip():
        assert f"{name}=&#x27;{value}&#x27;" in response.text
    else:
        assert f'data-testid="field-error-{name}"' in response.text
