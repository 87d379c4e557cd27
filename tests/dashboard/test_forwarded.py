"""X-Forwarded-For from a peer that is not in TRUSTED_PROXIES changes nothing, local or not."""

from __future__ import annotations

import httpx


def test_a_local_peer_that_is_no_trusted_proxy_cannot_pose_as_another_client(server):
    """The test server runs with TRUSTED_PROXIES empty: a process on this host that sends
    X-Forwarded-For stays itself. /metrics answers only local clients, so a forged remote
    address that were believed would turn it into a 404."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        plain = client.get("/metrics")
        forged = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert plain.status_code == 200
    assert forged.status_code == 200
