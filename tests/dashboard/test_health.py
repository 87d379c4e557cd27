"""``/healthz`` and ``/readyz`` as a load balancer sees them, on the real server process with the
real emulator as its upstream (a second process of the same app pointed elsewhere for the
upstream faults). ``tests/deploy/test_operations.py`` takes Redis away under a running process."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.cluster import Dashboard, free_port
from tests.conftest import _database_url

pytestmark = pytest.mark.django_db
PROBES = ("/readyz", "/healthz")


def test_healthz_answers_before_django_whatever_the_host(server):
    answer = httpx.get(f"{server.url}/healthz", headers={"Host": "10.0.0.7"}, timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
    assert "set-cookie" not in answer.headers
    assert answer.headers["cache-control"] == "no-store"


def test_readyz_reports_every_check_ok_against_the_real_emulator(server):
    answer = httpx.get(f"{server.url}/readyz", headers={"Host": "10.0.0.7"}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "channel_layer": "ok", "upstream": "ok"},
    }


def test_probes_answer_every_time_and_stay_out_of_the_access_log(server):
    """A balancer polls every second: its probes must not fill the log nor meet a limit."""
    before = len(server.log_path.read_bytes())
    with httpx.Client(base_url=server.url, timeout=10) as client:
        codes = [client.get(path).status_code for _ in range(60) for path in PROBES]
        assert client.post("/readyz").status_code == 405
        assert client.get("/signin/").status_code == 200  # logged, unlike the probes
    assert set(codes) == {200}
    logged = _eventually_logged(server, before, "/signin/")
    assert "/readyz" not in logged and "/healthz" not in logged


def _eventually_logged(server, offset: int, needle: str) -> str:
    deadline = time.monotonic() + 30
    while True:
        text = server.log_path.read_bytes()[offset:].decode(errors="replace")
        if needle in text or time.monotonic() > deadline:
            return text
        time.sleep(0.1)  # another process writes the log: nothing to await on


@pytest.mark.parametrize(
    ("upstream", "expected"),
    [
        ("/rest-not-here", "failed: HTTP 404, expected 401"),  # a wrong path on a live host
        ("closed", "failed: UpstreamUnavailable"),  # nothing listens
    ],
)
def test_readyz_is_503_and_names_the_upstream_when_the_api_url_is_wrong(server, upstream, expected):
    api = f"http://127.0.0.1:{free_port()}/rest" if upstream == "closed" else server.url + upstream
    dashboard = Dashboard(
        {
            "DJANGO_SETTINGS_MODULE": "tests.server_settings",
            "DATABASE_URL": _database_url(),
            "VOLTSTORAGE_API_URL": api,
        }
    ).start()
    try:
        answer = httpx.get(f"{dashboard.url}/readyz", timeout=10)
    finally:
        dashboard.stop()
    assert answer.status_code == 503
    checks = answer.json()["checks"]
    assert checks["upstream"] == expected
    assert checks["database"] == checks["cache"] == checks["channel_layer"] == "ok"
