"""The export proxy: upstream exports in 31-day pieces, streamed to the browser as one file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
import respx

from emulator.fleet import ANCHOR
from tests.products.conftest import FOREIGN_TO_OWNER1, live_sign_in

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


# Ranges end on the last day before the fleet's anchor, a day in the past whenever the suite runs:
# "yesterday" would move at the site's midnight, between the test's clock and the server's.
LAST_DAY = ANCHOR - dt.timedelta(days=1)


def installed_by(fleet, day: dt.date):
    return next(p for p in fleet if p.installation_date and p.installation_date <= day)


def offset_of(day: dt.date) -> str:
    offset = dt.datetime.combine(day, dt.time(12), BERLIN).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def test_a_90_day_csv_export_downloads_as_one_valid_file(live_fleet, fleet):
    end = LAST_DAY
    start = end - dt.timedelta(days=89)
    product = installed_by(fleet, start)
    response = live_fleet.get(
        f"/products/{product.id}/export",
        params={"format": "csv", "start": start, "end": end, "fields": "status", "separator": ";"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{product.serial_number}_{start}_{end}.csv"'
    )
    text = response.text
    assert not text.endswith("\n")
    lines = text.split("\r\n")
    assert lines[0] == "sep=;"
    assert lines.count("Time;Status") == 1
    rows = list(csv.reader(io.StringIO("\n".join(lines[1:])), delimiter=";"))
    assert rows[0] == ["Time", "Status"]
    times = [dt.datetime.fromisoformat(time) for time, _ in rows[1:]]
    assert times == sorted(set(times)), "rows are in order and none is written twice"
    first_day = dt.datetime.combine(start, dt.time(), BERLIN)
    last_day_end = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), BERLIN)
    assert first_day <= times[0] and times[-1] < last_day_end
    assert rows[1][0].endswith(offset_of(start)), "timestamps in the site's offset by default"
    assert {status for _, status in rows[1:]} <= {
        "charging",
        "discharging",
        "idle",
        "standby",
        "fault",
    }


def test_a_json_export_over_two_pieces_is_one_array(live_fleet, fleet):
    end = LAST_DAY
    start = end - dt.timedelta(days=34)
    product = installed_by(fleet, start)
    response = live_fleet.get(
        f"/products/{product.id}/export",
        params={"format": "json", "start": start, "end": end, "fields": "status", "tz": "0"},
    )
    assert response.status_code == 200
    assert response.headers["content-disposition"].endswith(f'_{start}_{end}.json"')
    rows = json.loads(response.content)
    times = [row["time"] for row in rows]
    assert times == sorted(set(times))
    assert all(t.endswith("+00:00") for t in times)
    assert {key for row in rows for key in row} == {"time", "status"}


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-05-10", "2026-05-01", "The end date is before the start date."),
        ("2024-01-01", "2025-06-30", "An export covers at most 366 days"),
        ("2026-01-01", "2099-01-01", "The end date is in the future"),
        ("2026-01-01", "soon", "end=&#x27;soon&#x27;: not a date: write it as YYYY-MM-DD"),
    ],
)
def test_a_bad_export_range_is_a_form_error(fleet_client, start, end, message):
    response = fleet_client.get("/products/1/export", {"start": start, "end": end})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'id="export-form"' in response.content.decode()


def test_an_export_of_a_foreign_product_is_refused(server, db):
    client = live_sign_in(server, "owner1@example.com")
    try:
        response = client.get(
            f"/products/{FOREIGN_TO_OWNER1}/export",
            params={"start": "2026-08-01", "end": "2026-08-02"},
        )
    finally:
        client.close()
    assert response.status_code == 403


@respx.mock(assert_all_called=False)
def test_an_upstream_400_on_export_is_shown_with_its_message(fleet_client, respx_mock):
    respx_mock.route(path__regex=r"/rest/data/export\.csv$").respond(
        400, json={"errors": ["fields: unknown field 'x'; known fields: pvPower"]}
    )
    respx_mock.route().pass_through()
    response = fleet_client.get("/products/1/export", {"start": "2026-08-01", "end": "2026-08-02"})
    assert response.status_code == 400
    assert (
        'The VoltStorage API rejected the export: <q lang="en" data-upstream-words>fields: '
        "unknown field &#x27;x&#x27;; known fields: pvPower</q>"
    ) in response.content.decode()
