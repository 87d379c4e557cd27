"""What an operator relies on, against real server processes: ``/readyz`` turns 503 when a
dependency stops and 200 when it returns; request ids come from ``X-Request-ID`` only through a
trusted proxy and are returned and logged; ``LOG_FORMAT=json`` lines parse, carry the request id
and mask tokens; a ``DATABASE_URL`` or ``REDIS_URL`` that does not parse or does not answer stops
the server at start-up with a message naming the variable, not a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.cluster import REDIS_SERVER, Dashboard, PrivatePostgres, PrivateRedis, free_port, sign_in
from tests.conftest import PASSWORD, ROOT, _database_url

needs_redis_server = pytest.mark.skipif(REDIS_SERVER is None, reason="no redis-server")


def _until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.2)  # polling another process: nothing to await on


def _readyz(dashboard: Dashboard) -> httpx.Response:
    return httpx.get(f"{dashboard.url}/readyz", timeout=15)


@pytest.fixture
def on_private_redis(server) -> Iterator[tuple[PrivateRedis, Dashboard]]:
    """One server process on a private redis-server, with JSON logs, behind a "proxy" at
    127.0.0.1 (the test itself, which is the only peer on loopback)."""
    store = PrivateRedis()
    store.start()
    dashboard = Dashboard(
        {
            "DATABASE_URL": _database_url(),
            "REDIS_URL": store.url,
            "REDIS_PREFIX": "",
            "VOLTSTORAGE_API_URL": server.api_url,
            "TRUSTED_PROXIES": "127.0.0.1",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
        }
    )
    try:
        dashboard.start()
        yield store, dashboard
    finally:
        dashboard.stop()
        store.stop()


@needs_redis_server
def test_readyz_answers_503_while_redis_is_down_and_200_when_it_returns(on_private_redis):
    store, dashboard = on_private_redis
    ready = _until(lambda: (r := _readyz(dashboard)).status_code == 200 and r, 30, "ready")
    assert ready.json()["checks"] == {
        "database": "ok",
        "cache": "ok",
        "channel_layer": "ok",
        "upstream": "ok",
    }

    store.stop()
    failed = _until(lambda: (r := _readyz(dashboard)).status_code == 503 and r, 30, "503")
    checks = failed.json()["checks"]
    assert failed.json()["status"] == "failed"
    assert checks["cache"].startswith("failed") and checks["channel_layer"].startswith("failed")
    assert checks["database"] == "ok" and checks["upstream"] == "ok"
    assert httpx.get(f"{dashboard.url}/healthz", timeout=15).status_code == 200  # still alive

    store.start()
    _until(lambda: _readyz(dashboard).status_code == 200, 30, "200 again after Redis returned")
    assert dashboard.process.poll() is None


def _log_lines(dashboard: Dashboard) -> list[dict]:
    lines = []
    for raw in dashboard.log_path.read_text(errors="replace").splitlines():
        if raw.strip():
            lines.append(json.loads(raw))  # every line is JSON, or this test fails
    return lines


@needs_redis_server
def test_request_ids_from_a_trusted_proxy_are_kept_returned_and_in_json_log_lines(
    on_private_redis,
):
    _, dashboard = on_private_redis
    sent = "proxy-id-4711"
    answer = httpx.get(
        f"{dashboard.url}/signin/?token=secret-upstream-token-123",
        headers={"X-Request-ID": sent},
        timeout=15,
    )
    assert answer.status_code == 200
    assert answer.headers["x-request-id"] == sent
    answer = httpx.get(f"{dashboard.url}/signin/", timeout=15)
    generated = answer.headers["x-request-id"]
    assert generated and generated != sent

    lines = _until(
        lambda: (
            (ls := _log_lines(dashboard)) and any(x["request_id"] == generated for x in ls) and ls
        ),
        15,
        "the access lines",
    )
    for line in lines:
        assert {"time", "level", "logger", "request_id", "message"} <= line.keys(), line
        assert "secret-upstream-token-123" not in json.dumps(line)
    ours = [line for line in lines if line["request_id"] == sent]
    assert ours and "/signin/?token=[redacted]" in ours[0]["message"]
    assert ours[0]["logger"] == "uvicorn.access" and ours[0]["level"] == "INFO"


def test_a_request_id_from_a_peer_that_is_no_trusted_proxy_is_replaced(server):
    dashboard = Dashboard(
        {
            "DATABASE_URL": _database_url(),
            "VOLTSTORAGE_API_URL": server.api_url,
            "TRUSTED_PROXIES": "10.9.9.9",  # not the test's own address
            "LOG_LEVEL": "INFO",
        }
    ).start()
    try:
        answer = httpx.get(
            f"{dashboard.url}/signin/", headers={"X-Request-ID": "forged-id-42"}, timeout=15
        )
        returned = answer.headers["x-request-id"]
        assert returned != "forged-id-42" and len(returned) >= 16
        log = _until(
            lambda: (text := dashboard.log_path.read_text()) and f"[{returned}]" in text and text,
            15,
            "the access line with the generated id",
        )
        assert "forged-id-42" not in log
    finally:
        dashboard.stop()


def _start_with(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard.serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(free_port()),
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "dashboard.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DATABASE_URL": "mysql://root@127.0.0.1/fleet"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:notaport/fleet"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:{closed}/fleet"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://127.0.0.1:6379/0"}, "REDIS_URL"),
        ({"REDIS_URL": "redis://127.0.0.1:{closed}/0"}, "REDIS_URL"),
    ],
)
def test_a_database_or_redis_url_that_does_not_parse_or_answer_stops_start_up(
    env, variable, tmp_path
):
    closed = free_port()  # bound and released: nothing listens there
    env = {name: value.format(closed=closed) for name, value in env.items()}
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'fleet.sqlite3'}")
    env.setdefault("REDIS_URL", "")
    result = _start_with(**env)
    assert result.returncode != 0
    assert variable in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "Uvicorn running" not in result.stderr


@pytest.fixture
def on_private_postgres(server) -> Iterator[tuple[PrivatePostgres, Dashboard]]:
    """One server process whose database is a PostgreSQL of this test alone (stopped and
    started by the test; the machine's shared one is never touched)."""
    database = PrivatePostgres().init()
    database.start()
    env = {
        "DATABASE_URL": database.url,
        "VOLTSTORAGE_API_URL": server.api_url,
        "DJANGO_SETTINGS_MODULE": "tests.server_settings",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
    )
    dashboard = Dashboard(env)
    try:
        dashboard.start()
        yield database, dashboard
    finally:
        dashboard.stop()
        database.remove()


@pytest.mark.skipif(not PrivatePostgres.available(), reason="PostgreSQL's server is not installed")
def test_postgresql_stopping_gives_an_honest_503_and_the_process_recovers_by_itself(
    on_private_postgres,
):
    database, dashboard = on_private_postgres
    viewer = sign_in(dashboard.url, "fleet@example.com")
    try:
        _outage_and_recovery(database, dashboard, viewer)
    finally:
        viewer.close()


def _outage_and_recovery(database: PrivatePostgres, dashboard: Dashboard, viewer) -> None:
    assert viewer.get("/").status_code == 200

    database.stop()
    failed = _until(lambda: (r := _readyz(dashboard)).status_code == 503 and r, 30, "503")
    assert failed.json()["checks"]["database"].startswith("failed")
    # A signed-in page that needs no table keeps answering from the cache (session, fleet) ...
    assert viewer.get("/").status_code == 200
    # ... and one that does (a sign-in writes the user and the session) says what is going on.
    with pytest.raises(RuntimeError, match="sign-in answered 503"):
        sign_in(dashboard.url, "owner1@example.com")
    page = httpx.get(f"{dashboard.url}/signin/", timeout=15)
    assert page.status_code == 200  # the form itself needs no table
    outage = _post_sign_in(dashboard, "owner1@example.com")
    assert outage.status_code == 503
    assert outage.headers["retry-after"] == "30"
    assert "database is not answering" in outage.text
    assert 'data-retry-seconds="30"' in outage.text and "js/retry" in outage.text
    assert dashboard.process.poll() is None

    database.start()
    _until(lambda: _readyz(dashboard).status_code == 200, 30, "200 again after PostgreSQL returned")
    assert viewer.get("/").status_code == 200  # the same session, no restart
    sign_in(dashboard.url, "owner1@example.com").close()


def _post_sign_in(dashboard: Dashboard, email: str) -> httpx.Response:
    with httpx.Client(base_url=dashboard.url, timeout=15) as client:
        client.get("/signin/")
        return client.post(
            "/signin/",
            data={"email": email, "password": PASSWORD,
                  "csrfmiddlewaretoken": client.cookies["csrftoken"]},
            headers={"Referer": f"{dashboard.url}/signin/"},
        )  # fmt: skip
