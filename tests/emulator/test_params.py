"""Junk in any query parameter of any emulator endpoint is a 400 that names the parameter, never a
server error: over real HTTP to the real server, with the parameters listed from the emulator's
own OpenAPI document, so a parameter added later is covered (or this test fails until it is)."""

from __future__ import annotations

import json
import math
import re
import time
from urllib.parse import quote

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from emulator.openapi import openapi_document
from emulator.params import INT64_MAX, parse_int

pytestmark = pytest.mark.django_db

# Superscript three, a sign or two, more digits than 64 bits hold, nothing, an empty list item,
# a leading space, Arabic-Indic one: all things Python's int() or str.isdigit() accept or trip on.
JUNK = ("³", "-1", "+1", "99999999999999999999999", "", "1,,2", " 1", "١")
# Parameters that replace another (the export takes productId or componentId, not both).
INSTEAD_OF = {"/data/export.{format}": {"componentId": "productId"}}


def _valid_query(path: str, product_id: int) -> dict[str, str]:
    """A request each endpoint answers with 200, before one parameter is replaced by junk."""
    now = int(time.time())
    return {
        "/products": {
            "count": "5",
            "page": "1",
            "q": "a",
            "groupId": "1",
            "installationDate": "true",
            "ids": "1,2",
            "ownerId": "1",
            "sort": "-id",
        },
        "/products/{productId}/latest": {"includeTime": "true"},
        "/data/statistics": {
            "productId": str(product_id),
            "tstart": str(now - 7200),
            "tend": str(now),
            "timespan": "hour",
        },
        "/data/export.{format}": {
            "productId": str(product_id),
            "from": str(now - 120),
            "to": str(now),
            "fields": "pvPower,status",
            "tz": "60",
            "precision": "6",
            "tolerance": "0",
            "separator": ";",
        },
    }[path]


def _allowed(schema: dict, raw: str) -> bool:
    """Whether the OpenAPI schema of a number, boolean or id list admits ``raw``."""
    kind = schema.get("type")
    if kind == "boolean":
        return raw in ("true", "false")
    if kind == "array":
        return all(_allowed(schema["items"], part) for part in raw.split(","))
    if not re.fullmatch(r"-?[0-9]+", raw):
        return False
    low, high = schema.get("minimum", -math.inf), schema.get("maximum", math.inf)
    return low <= int(raw) <= high


def _get_operations() -> list[tuple[str, dict]]:
    paths = openapi_document("http://testserver/rest")["paths"]
    return [(path, item["get"]) for path, item in paths.items() if "get" in item]


def _url(server, path: str, product_id: int, fmt: str = "csv") -> str:
    return server.api_url + path.replace("{productId}", str(product_id)).replace("{format}", fmt)


def test_every_query_parameter_refuses_junk_with_a_400_that_names_it(server, fleet_token, fleet):
    product_id = next(p.id for p in fleet if p.installation_date is not None)
    auth = {"Authorization": f"Bearer {fleet_token}"}
    checked = 0
    with httpx.Client(headers=auth, timeout=30) as client:
        for path, operation in _get_operations():
            if path == "/openapi.json":
                continue
            valid = _valid_query(path, product_id)
            declared = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
            instead_of = INSTEAD_OF.get(path, {})
            known = set(valid) | set(instead_of)
            assert declared == known, f"{path}: give every parameter a valid value here"
            assert client.get(_url(server, path, product_id), params=valid).status_code == 200
            for parameter in operation["parameters"]:
                if parameter["in"] != "query":
                    continue
                name, kind = parameter["name"], parameter["schema"].get("type")
                base = {k: v for k, v in valid.items() if k != instead_of.get(name)}
                for junk in JUNK:
                    response = client.get(
                        _url(server, path, product_id), params={**base, name: junk}
                    )
                    checked += 1
                    where = f"{path} {name}={junk!r}: {response.status_code} {response.text[:200]}"
                    assert response.status_code < 500, where
                    if kind in ("integer", "number", "boolean", "array") and not _allowed(
                        parameter["schema"], junk
                    ):
                        assert response.status_code == 400, where
                        assert name in response.json()["errors"][0], where
    assert checked >= 8 * 20


def test_every_path_parameter_refuses_junk_with_a_400(server, fleet_token):
    auth = {"Authorization": f"Bearer {fleet_token}"}
    with httpx.Client(headers=auth, timeout=30) as client:
        for junk in (*(j for j in JUNK if j), "0", str(2**63)):  # empty: no route, a 404
            response = client.get(f"{server.api_url}/products/{quote(junk)}/latest")
            assert response.status_code == 400, (junk, response.text)
            assert "productId" in response.json()["errors"][0]
        response = client.get(f"{server.api_url}/data/export.³", params={"productId": "1"})
        assert response.status_code == 400 and "format" in response.json()["errors"][0]


def test_the_socket_closes_with_4400_for_a_junk_product_id(server, fleet_token):
    for junk in JUNK:
        query = f"productId={quote(junk)}&token={fleet_token}"
        with connect(f"{server.ws_url}/rest/data/socket?{query}", open_timeout=10) as ws:
            with pytest.raises(ConnectionClosed) as caught:
                json.loads(ws.recv(timeout=10))
            assert caught.value.rcvd is not None and caught.value.rcvd.code == 4400, junk


@pytest.mark.parametrize(
    ("raw", "signed", "expected"),
    [
        ("42", False, 42),
        ("007", False, 7),
        ("-5", True, -5),
        ("-5", False, None),
        ("+5", True, None),
        (str(INT64_MAX), False, INT64_MAX),
        (str(INT64_MAX + 1), False, None),
        ("0" * 30 + "1", False, 1),
        ("9" * 5000, False, None),
        *[(junk, True, None) for junk in JUNK if junk != "-1"],
    ],
)
def test_parse_int_takes_only_ascii_decimal_integers_of_64_bits(raw, signed, expected):
    assert parse_int(raw, signed=signed) == expected
