"""GET /metrics: Prometheus text, for localhost only unless METRICS_PUBLIC."""

from __future__ import annotations

NAMES = [
    "livefeed_upstream_sockets_open",
    "livefeed_viewers",
    "livefeed_frames_in_total",
    "livefeed_frames_out_total",
    "livefeed_frames_dropped_total",
    "livefeed_upstream_reconnects_total",
    "livefeed_upstream_auth_failures_total",
    "livefeed_access_checks_total",
]


def test_it_serves_every_counter_as_prometheus_text_to_localhost(client):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    lines = response.content.decode().splitlines()
    for name in NAMES:
        kind = "counter" if name.endswith("_total") else "gauge"
        assert f"# TYPE {name} {kind}" in lines
        assert any(line.startswith(f"{name} ") and line.split()[1].isdigit() for line in lines)


def test_it_answers_404_to_other_hosts(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404


def test_it_serves_everyone_when_metrics_are_public(client, settings):
    settings.METRICS_PUBLIC = True
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_it_refuses_other_methods(client):
    assert client.post("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 405
