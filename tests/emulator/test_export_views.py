"""GET /rest/data/export.{csv,json} over the real app: parameters, errors, access and the file
format the public client parses."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json

import httpx
import pytest
from django.test import AsyncRequestFactory, Client

from emulator.auth import issue_token
from emulator.export_views import export as export_view
from emulator.exporting import LABELS
from emulator.models import Component, Product, User
from emulator.simulation import FIELDS
from tests.emulator.conftest import auth_header

pytestmark = pytest.mark.django_db

# A fixed, fully past hour; products installed before it have data.
T0 = dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC).timestamp()
T1 = T0 + 3600


# Tokens issued at the real time: these tests do not freeze time (conftest's fixtures do).
@pytest.fixture
def fleet_auth(fleet):
    return auth_header("fleet@example.com")


@pytest.fixture
def owner1_auth(fleet):
    return auth_header("owner1@example.com")


@pytest.fixture
def product(fleet) -> Product:
    """A product of owner 1 that reports during the test hour, always online then."""
    from emulator.simulation import iter_reports
    from emulator.site import Site

    owner_id = User.objects.get(email="owner1@example.com").owner_id
    for p in fleet:
        if p.group.owner_id != owner_id or p.installation_date is None:
            continue
        chunks = list(iter_reports(Site.from_product(p), T0, T1, now=T1 + 1))
        if sum(len(c.times) for c in chunks) > 3000:
            return p
    pytest.skip("no owner-1 product reporting during the test hour")


def export(client: Client, auth: dict, fmt: str = "csv", **params):
    response = client.get(f"/rest/data/export.{fmt}", params, **auth)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body.decode()


def errors(response) -> str:
    return json.loads(response.content)["errors"][0]


def test_the_csv_parses_with_pythons_csv_after_the_sep_line(client, fleet_auth, product):
    response, text = export(client, fleet_auth, productId=product.id, **{"from": T0, "to": T1})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = text.split("\r\n")
    assert lines[0] == "sep=,"
    rows = list(csv.reader(io.StringIO("\r\n".join(lines[1:]))))
    assert rows[0] == ["Time", *(LABELS[f] for f in FIELDS)]
    assert len(rows) > 1000
    assert {len(r) for r in rows} == {11}


def test_the_public_clients_parse_rule_reads_every_row(client, fleet_auth, product):
    _, text = export(
        client, fleet_auth, productId=product.id, separator=";", **{"from": T0, "to": T1}
    )
    assert not text.endswith("\r\n")
    lines = text.split("\r\n")
    header = lines[1].split(";")
    for line in lines[2:]:
        cells = line.split(";")
        assert len(cells) == len(header)
        stamp = dt.datetime.fromisoformat(cells[0])
        assert T0 <= stamp.timestamp() < T1
        assert any(cells[1:])


def test_fields_tz_and_precision_shape_the_file(client, fleet_auth, product):
    _, text = export(
        client,
        fleet_auth,
        productId=product.id,
        fields="stateOfCharge,gridPower",
        tz=90,
        precision=3,
        **{"from": T0, "to": T0 + 600},
    )
    lines = text.split("\r\n")
    assert lines[1] == "Time,SOC_State of Charge,Power_Grid"
    for line in lines[2:]:
        stamp, *cells = line.split(",")
        assert stamp.endswith("+01:30")
        for cell in cells:
            if cell:
                assert len(cell.lstrip("-").replace(".", "").strip("0")) <= 3
                assert "e" not in cell


def test_the_filename_names_the_serial_number_and_the_dates(client, fleet_auth, product):
    response, _ = export(client, fleet_auth, productId=product.id, **{"from": T0, "to": T1})
    disposition = response["Content-Disposition"]
    assert product.serial_number in disposition
    assert "2026-06-01T100000" in disposition and "2026-06-01T110000" in disposition


def test_the_json_export_is_an_array_of_reported_fields(client, fleet_auth, product):
    response, text = export(
        client, fleet_auth, "json", productId=product.id, **{"from": T0, "to": T0 + 900}
    )
    assert response["Content-Type"] == "application/json"
    rows = json.loads(text)
    assert rows
    for row in rows:
        assert set(row) - {"time"} <= set(FIELDS)
        assert len(row) > 1
        dt.datetime.fromisoformat(row["time"])
        if "status" in row:
            assert row["status"] in {"charging", "discharging", "idle", "standby", "fault"}


def test_the_json_and_csv_exports_hold_the_same_values(client, fleet_auth, product):
    window = {"productId": product.id, "from": T0, "to": T0 + 900}
    _, text = export(client, fleet_auth, "csv", **window)
    _, data = export(client, fleet_auth, "json", **window)
    lines = text.split("\r\n")[2:]
    rows = json.loads(data)
    assert len(lines) == len(rows)
    for line, row in zip(lines, rows, strict=True):
        cells = line.split(",")
        assert cells[0] == row["time"]
        for field, cell in zip(FIELDS, cells[1:], strict=True):
            if field not in row:
                assert cell == ""
            elif field == "status":
                assert cell == row[field]
            else:
                assert float(cell) == row[field]


def test_a_tolerance_drops_rows_and_keeps_the_first_and_last(client, fleet_auth, product):
    window = {"productId": product.id, "from": T0, "to": T1, "fields": "stateOfCharge"}
    _, full = export(client, fleet_auth, **window)
    _, thin = export(client, fleet_auth, tolerance=0.01, **window)
    full_rows, thin_rows = full.split("\r\n")[2:], thin.split("\r\n")[2:]
    assert 0 < len(thin_rows) < len(full_rows)
    assert thin_rows[0] == full_rows[0] and thin_rows[-1] == full_rows[-1]


def test_a_component_exports_its_products_data(client, fleet_auth, product):
    component = Component.objects.filter(product=product).first()
    window = {"from": T0, "to": T0 + 300}
    _, by_product = export(client, fleet_auth, productId=product.id, **window)
    _, by_component = export(client, fleet_auth, componentId=component.id, **window)
    assert by_component == by_product


def test_a_future_to_is_allowed_and_ends_at_now(client, product, time_machine):
    time_machine.move_to(dt.datetime.fromtimestamp(T0 + 600, dt.UTC), tick=False)
    user = User.objects.get(email="fleet@example.com")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user, 3600)}"}
    response, text = export(client, auth, productId=product.id, **{"from": T0, "to": T0 + 7200})
    assert response.status_code == 200
    last = dt.datetime.fromisoformat(text.split("\r\n")[-1].split(",")[0]).timestamp()
    assert T0 + 500 < last <= T0 + 600


def test_under_asgi_the_export_streams_piece_by_piece(fleet_auth, product):
    # Django reads a *sync* iterator whole before sending it under ASGI; ours must be async.
    # (Called directly: the database stays in this thread and this test's transaction.)
    params = {"productId": product.id, "from": T0, "to": T0 + 9 * 3600}
    headers = {"Authorization": fleet_auth["HTTP_AUTHORIZATION"]}
    request = AsyncRequestFactory().get("/rest/data/export.csv", params, headers=headers)
    response = export_view(request, "csv")
    assert response.status_code == 200
    assert response.is_async

    async def collect() -> list[bytes]:
        return [piece async for piece in response.streaming_content]

    pieces = asyncio.run(collect())
    assert len(pieces) >= 3  # header, then one piece per chunk of CHUNK_SECONDS
    assert b"".join(pieces).startswith(b"sep=,\r\nTime,")


def test_a_foreign_product_is_forbidden(client, owner1_auth, fleet):
    owner_id = User.objects.get(email="owner1@example.com").owner_id
    foreign = next(p for p in fleet if p.group.owner_id != owner_id)
    response, _ = export(client, owner1_auth, productId=foreign.id, **{"from": T0, "to": T1})
    assert response.status_code == 403
    component = Component.objects.filter(product=foreign).first()
    response, _ = export(client, owner1_auth, componentId=component.id, **{"from": T0, "to": T1})
    assert response.status_code == 403


def test_an_unknown_product_or_component_is_forbidden(client, fleet_auth):
    for params in ({"productId": 987654}, {"componentId": 987654}):
        response, _ = export(client, fleet_auth, **params, **{"from": T0, "to": T1})
        assert response.status_code == 403


def test_without_a_token_the_export_is_unauthorized(client, product):
    response, _ = export(client, {}, productId=product.id, **{"from": T0, "to": T1})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("fmt", "params", "named"),
    [
        ("xml", {"from": T0, "to": T1}, "unknown export format"),
        ("csv", {"to": T1}, "from"),
        ("csv", {"from": "soon", "to": T1}, "from"),
        ("csv", {"from": T1, "to": T0}, "from must be before to"),
        ("csv", {"from": T0, "to": T0}, "from must be before to"),
        ("csv", {"from": T0, "to": T0 + 31 * 86400 + 1}, "31 days"),
        ("csv", {"from": T0, "to": T1, "fields": "gridPower,voltage"}, "voltage"),
        ("csv", {"from": T0, "to": T1, "precision": 0}, "precision"),
        ("csv", {"from": T0, "to": T1, "precision": 16}, "precision"),
        ("csv", {"from": T0, "to": T1, "tolerance": -0.1}, "tolerance"),
        ("csv", {"from": T0, "to": T1, "tolerance": "nan"}, "tolerance"),
        ("csv", {"from": T0, "to": T1, "separator": ""}, "separator"),
        ("csv", {"from": T0, "to": T1, "separator": ";\r\n"}, "separator"),
        ("csv", {"from": T0, "to": T1, "separator": ";;;;;;;;;"}, "separator"),
        ("csv", {"from": T0, "to": T1, "tz": 1440}, "tz"),
        ("csv", {"from": T0, "to": 1e300}, "to"),
        ("json", {"from": T0, "to": T1, "productId": 2**64}, "productId"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(client, fleet_auth, product, fmt, params, named):
    params = {"productId": product.id, **params}
    response, _ = export(client, fleet_auth, fmt, **params)
    assert response.status_code == 400
    assert named in errors(response)


def test_neither_product_nor_component_is_a_400(client, fleet_auth):
    response, _ = export(client, fleet_auth, **{"from": T0, "to": T1})
    assert response.status_code == 400
    assert "productId" in errors(response)


def test_an_empty_fields_parameter_is_a_400_not_all_fields(client, fleet_auth, product):
    response, _ = export(
        client, fleet_auth, productId=product.id, fields="", **{"from": T0, "to": T1}
    )
    assert response.status_code == 400
    assert "fields" in errors(response)


def test_over_real_http_the_public_client_reads_a_streamed_export(server, fleet_token, product):
    """The real ASGI server, as in ``make demo``: the file arrives in pieces and parses."""
    params = {"productId": product.id, "from": T0, "to": T0 + 9 * 3600, "token": fleet_token}
    pieces = []
    with httpx.stream("GET", f"{server.api_url}/data/export.csv", params=params) as response:
        assert response.status_code == 200
        pieces = list(response.iter_raw())
    assert response.headers.get("transfer-encoding") == "chunked"
    lines = b"".join(pieces).decode().split("\r\n")
    header = lines[1].split(",")
    assert len(lines) > 20_000
    for line in lines[2:]:
        cells = line.split(",")
        assert len(cells) == len(header)
        dt.datetime.fromisoformat(cells[0])


def test_the_openapi_bounds_are_the_views_bounds():
    import re

    from emulator import export_views as v
    from emulator.openapi import PATHS

    params = {p["name"]: p for p in PATHS["/data/export.{format}"]["get"]["parameters"]}
    assert params["from"]["schema"]["maximum"] == v.MAX_TIME == params["to"]["schema"]["maximum"]
    assert params["tz"]["schema"]["maximum"] == v.MAX_TZ == -params["tz"]["schema"]["minimum"]
    assert params["separator"]["schema"]["maxLength"] == v.MAX_SEPARATOR
    assert re.fullmatch(params["fields"]["schema"]["pattern"], ",".join(FIELDS))
    assert params["format"]["schema"]["enum"] == list(v.FORMATS)
