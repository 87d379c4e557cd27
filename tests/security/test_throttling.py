"""Sign-in throttling in the dashboard and the emulator; the emulator's 403 for refused filters."""

from __future__ import annotations

import os
import re
import time

import httpx
import jwt
import pytest
from django.test import Client
from django.test.utils import override_settings

from tests.cluster import dashboards, redis_up
from tests.conftest import PASSWORD, login_token

# Redis db 10 unless the run names its own (CI's engines pass, a shared machine).
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/10"
LOW_LIMITS = {"SIGNIN_FREE_FAILURES": 1, "SIGNIN_LOCK_FAILURES": 2, "SIGNIN_LOCK_SECONDS": 600}


def _post(client: Client, email: str, password: str):
    return client.post("/signin/", {"email": email, "password": password})


@override_settings(SIGNIN_FREE_FAILURES=1, SIGNIN_LOCK_FAILURES=5)
def test_failures_beyond_the_free_ones_slow_down(server, db, empty_cache):
    client = Client()
    assert _post(client, "fleet@example.com", "wrong").status_code == 400
    second = _post(client, "fleet@example.com", "wrong")
    assert "Too many attempts — try again in 2 seconds." in second.content.decode()
    waiting = _post(client, "fleet@example.com", PASSWORD)  # right, but within the wait
    assert waiting.status_code == 429 and 1 <= int(waiting["Retry-After"]) <= 2


@override_settings(SIGNIN_FREE_FAILURES=1, SIGNIN_LOCK_FAILURES=2)
def test_then_lock_with_the_remaining_time(server, db, empty_cache):
    client = Client()
    for _ in range(2):
        assert _post(client, "fleet@example.com", "wrong").status_code == 400
    locked = _post(client, "fleet@example.com", PASSWORD)
    assert locked.status_code == 429
    assert "Too many attempts — try again in 10 minutes." in locked.content.decode()
    assert 590 <= int(locked["Retry-After"]) <= 600


@override_settings(**LOW_LIMITS)
def test_an_unknown_e_mail_is_locked_the_same_way(server, db, empty_cache):
    client = Client()
    answers = [_post(client, "nobody@example.com", "wrong") for _ in range(4)]
    from django.core.cache import cache

    cache.clear()
    known = Client()
    known_answers = [_post(known, "owner2@example.com", "wrong") for _ in range(4)]
    assert [a.status_code for a in answers] == [a.status_code for a in known_answers]
    for response in (answers[-1], known_answers[-1]):
        assert "Too many attempts — try again in 10 minutes." in response.content.decode()


@override_settings(SIGNIN_FREE_FAILURES=2, SIGNIN_LOCK_FAILURES=3)
def test_a_success_resets_the_e_mails_counter(server, db, empty_cache):
    client = Client()
    for _ in range(2):
        assert _post(client, "owner1@example.com", "wrong").status_code == 400
    assert _post(client, "owner1@example.com", PASSWORD).status_code == 302
    other = Client()
    for _ in range(2):  # two more free failures: the count started again
        response = _post(other, "owner1@example.com", "wrong")
        assert response.status_code == 400
        assert "Too many attempts" not in response.content.decode()


def test_the_emulator_answers_an_unknown_e_mail_as_a_wrong_password(server):
    def login(email: str) -> httpx.Response:
        return httpx.post(
            f"{server.api_url}/login/password", json={"email": email, "password": "wrong"}
        )

    unknown, wrong = login("nobody-at-all@example.com"), login("owner3@example.com")
    assert unknown.status_code == wrong.status_code == 400
    assert unknown.json() == wrong.json()


def test_the_emulator_hashes_a_dummy_password_for_an_unknown_e_mail(db):
    """Both paths run the password hasher once, so their timing does not tell them apart."""
    from django.contrib.auth import hashers

    from emulator.auth import check_login
    from emulator.models import User

    calls = []
    original = hashers.check_password

    def counting(*args, **kwargs):
        calls.append(args[1])
        return original(*args, **kwargs)

    import emulator.auth
    import emulator.models

    with (
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(emulator.auth, "check_password", counting)
        patch.setattr(emulator.models, "check_password", counting)
        assert check_login(None, "guess") is False
        assert check_login(User.objects.get(email="owner1@example.com"), "guess") is False
    assert len(calls) == 2 and all(encoded.count("$") >= 1 for encoded in calls)


# ---- the emulator's 403 for a group or owner the token may not see -------------------------


def test_a_filter_by_a_foreign_group_or_owner_is_refused_with_403(server, fleet, owner1_token):
    owner1 = next(
        p.group.owner for p in fleet if p.group.owner_id == _owner_of(server, owner1_token)
    )
    foreign = next(p.group for p in fleet if p.group.owner_id != owner1.id)
    own = next(p.group for p in fleet if p.group.owner_id == owner1.id)
    headers = {"Authorization": f"Bearer {owner1_token}"}
    get = lambda **params: httpx.get(f"{server.api_url}/products", params=params, headers=headers)  # noqa: E731
    assert get(groupId=own.id).status_code == 200
    assert get(groupId=foreign.id).status_code == 403
    assert get(groupId=999999).status_code == 403  # unknown reads as foreign
    assert get(ownerId=owner1.id).status_code == 200
    assert get(ownerId=foreign.owner_id).status_code == 403
    assert "groupId" in get(groupId=foreign.id).json()["errors"][0]


def _owner_of(server, token: str) -> int:
    products = httpx.get(
        f"{server.api_url}/products", headers={"Authorization": f"Bearer {token}"}
    ).json()
    return products[0]["group"]["ownerId"]


# ---- across two processes on the real Redis ------------------------------------------------


def _forget_counters() -> None:
    import redis

    r = redis.Redis.from_url(REDIS_URL)
    for pattern in ("*signin:throttle:*", "*emulator:login:*"):
        for key in r.scan_iter(pattern):
            r.delete(key)


@pytest.fixture
def two_processes(server):
    """Two servers sharing the test database and ``REDIS_URL`` as their cache, low limits."""
    from tests.conftest import _database_url

    _forget_counters()
    env = {
        "DATABASE_URL": _database_url(),  # SQLite in make test, PostgreSQL in CI's engines pass
        "DJANGO_SETTINGS_MODULE": "tests.server_settings",
        "REDIS_URL": REDIS_URL,
        "EMULATOR_ENABLED": "true",  # its sign-in is counted across processes too
        "VOLTSTORAGE_API_URL": server.api_url,
        "SIGNIN_FREE_FAILURES": "1",
        "SIGNIN_LOCK_FAILURES": "2",
        "LOG_LEVEL": "WARNING",
    }
    try:
        with dashboards(env) as running:
            yield [dashboard.url for dashboard in running]
    finally:
        _forget_counters()


def _browser(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    page = client.get("/signin/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    client.headers["X-CSRFToken"] = token
    return client


pytestmark_redis = pytest.mark.skipif(not redis_up(), reason="no Redis on 127.0.0.1:6379")


@pytestmark_redis
def test_the_dashboard_counts_failures_across_processes(two_processes):
    a, b = (_browser(url) for url in two_processes)
    try:
        _lock_across(a, b)
    finally:
        a.close()
        b.close()


def _lock_across(a: httpx.Client, b: httpx.Client) -> None:
    email = "fleet@example.com"
    statuses = []
    for client in (a, b):  # one failure in each process: the second locks
        response = client.post("/signin/", data={"email": email, "password": "wrong"})
        statuses.append(response.status_code)
    locked = a.post("/signin/", data={"email": email, "password": PASSWORD})
    assert locked.status_code == 429, statuses
    assert "Too many attempts — try again in 10 minutes." in locked.text


@pytestmark_redis
def test_the_emulator_counts_failures_across_processes(two_processes):
    def login(url: str, password: str) -> httpx.Response:
        return httpx.post(
            f"{url}/rest/login/password", json={"email": "owner2@example.com", "password": password}
        )

    a, b = two_processes
    for url in (a, b):  # one failure in each process: the second locks
        assert login(url, "wrong").status_code == 400
    locked = login(a, PASSWORD)
    assert locked.status_code == 429
    assert "try again in 10 min" in locked.json()["errors"][0]


def test_a_token_forged_with_the_development_key_is_refused(two_processes):
    from dashboard.settings import _DEV_EMULATOR_SECRET, _DEV_SECRET

    now = int(time.time())
    for key in (_DEV_SECRET, _DEV_EMULATOR_SECRET):
        forged = jwt.encode({"sub": "1", "exp": now + 600, "iat": now}, key, algorithm="HS256")
        response = httpx.get(
            f"{two_processes[0]}/rest/products", headers={"Authorization": f"Bearer {forged}"}
        )
        assert response.status_code == 401
    real = login_token(
        type("S", (), {"api_url": f"{two_processes[0]}/rest"})(), "owner3@example.com"
    )
    assert real
