"""Secure defaults outside DEBUG, the deploy check, headers on every page type, sealed tokens."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from signin.auth import session_store
from signin.tokens import open_token
from tests.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]
CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def production_env(**extra: str) -> dict[str, str]:
    """What an operator sets in production, and nothing of the test session's environment."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SECRET_KEY": secrets.token_urlsafe(60),
        "TOKEN_ENCRYPTION_KEY": secrets.token_urlsafe(40),
        "HTTPS": "true",
        "ALLOWED_HOSTS": "fleet.example.com",
        "DATABASE_URL": "sqlite:///" + str(ROOT / "unused-production-check.sqlite3"),
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v != ""}


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "dashboard.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_production_profile_passes_the_deploy_check():
    result = manage(production_env(), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_check_sees_our_middleware_and_reports_what_is_really_missing():
    result = manage(production_env(HTTPS=""), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    for missing in ("W004", "W008", "W012", "W016"):  # HSTS, SSL redirect, Secure cookies
        assert f"(dashboard.security.{missing})" in output
    # The three false warnings about Django's middleware paths are gone.
    for false in ("security.W001", "security.W002", "security.W003"):
        assert false not in output


def test_a_missing_security_middleware_is_still_reported():
    from django.conf import settings

    from dashboard.checks import check_middleware

    middleware = [m for m in settings.MIDDLEWARE if not m.endswith(".SecurityMiddleware")]
    with override_settings(MIDDLEWARE=middleware):
        ids = {message.id for message in check_middleware()}
    assert "dashboard.security.W001" in ids


@pytest.mark.parametrize(
    ("unset", "extra"),
    [
        ("SECRET_KEY", {}),
        ("TOKEN_ENCRYPTION_KEY", {}),
        ("EMULATOR_JWT_SECRET", {"EMULATOR_ENABLED": "true"}),
    ],
)
def test_without_debug_the_server_refuses_a_development_secret_and_names_it(unset, extra):
    env = production_env(**extra)
    env.pop(unset, None)
    result = manage(env, "check")
    assert result.returncode != 0
    assert f"{unset} must be set when DEBUG is off" in result.stderr


def test_debug_runs_on_the_development_defaults_as_make_demo_does():
    env = {"PATH": os.environ.get("PATH", ""), "DEBUG": "true", "EMULATOR_ENABLED": "true"}
    result = manage(env, "check")
    assert result.returncode == 0, result.stderr


def test_the_emulator_is_off_unless_enabled():
    result = manage(
        production_env(),
        "shell",
        "-c",
        "from django.conf import settings;"
        "print(settings.EMULATOR_ENABLED, 'emulator' in settings.INSTALLED_APPS)",
    )
    assert result.stdout.splitlines()[-1] == "False False", result.stderr


def _html(response) -> str:
    return response.content.decode()


def test_every_page_type_carries_the_policy_and_signed_in_pages_are_not_stored(fleet_client, fleet):
    day = fleet[0].installation_date
    signed_in = [
        "/",
        "/?state=offline",
        "/products/1/",
        "/products/1/?range=30d",
        f"/products/1/day?date={day}" if day else "/products/1/day",
        "/products/1/export",
        "/products/1/check/",
        "/products/1/check/report/",
        "/products/99999/",  # the upstream's 403, as an error page
    ]
    for url in signed_in:
        response = fleet_client.get(url)
        assert response.status_code < 500, url
        assert response["Content-Security-Policy"] == CSP, url
        assert response["Cache-Control"] == "no-store", url
        assert response["X-Frame-Options"] == "DENY", url
    fragment = fleet_client.get(
        "/?q=AA", headers={"HX-Request": "true", "HX-Target": "fleet-results"}
    )
    assert fragment["Content-Security-Policy"] == CSP
    assert fragment["Cache-Control"] == "no-store"
    checklist = fleet_client.get("/products/1/check/", headers={"HX-Request": "true"})
    assert checklist["Cache-Control"] == "no-store" and "data-check=" in _html(checklist)
    for response in (Client().get("/signin/"), fleet_client.get("/no/such/page/")):
        assert response["Content-Security-Policy"] == CSP
    assert Client().get("/signin/")["Cache-Control"] == "no-store"
    not_found = fleet_client.get("/no/such/page/")
    assert not_found.status_code == 404 and "Page not found" in _html(not_found)
    for response in (fleet_client.get("/products/1/"), Client().get("/signin/")):
        assert "<style" not in _html(response) and " style=" not in _html(response)
        assert "<script>" not in _html(response)


def test_a_forged_csrf_post_gets_our_error_page_under_the_policy(server, db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/signin/", {"email": "a@example.com", "password": "x"})
    assert response.status_code == 403
    assert response["Content-Security-Policy"] == CSP
    assert "This form has expired" in _html(response) and "<style" not in _html(response)


@override_settings(HTTPS=True, SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=31536000)
def test_hsts_is_sent_over_https(server, db):
    response = Client().get("/signin/", secure=True)
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


def test_secure_cookies_get_host_prefixed_names():
    code = (
        "from django.conf import settings;"
        "print(settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME,"
        " settings.SECURE_SSL_REDIRECT)"
    )
    result = manage(production_env(), "shell", "-c", code)
    last = result.stdout.splitlines()[-1].split()
    assert last == ["__Host-sessionid", "__Host-csrftoken", "True"], result.stderr


def test_the_session_row_and_its_cache_entry_hold_no_jwt(server, db, empty_cache):
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import cache

    client = Client()
    assert sign_in(client, "fleet@example.com").status_code == 302
    key = client.cookies["sessionid"].value
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_data FROM django_session WHERE session_key = %s", [key])
        (raw,) = cursor.fetchone()
    decoded = session_store().decode(raw)
    assert decoded["voltstorage_token"]  # it is there, sealed
    # A JWT's header and payload: "eyJ" alone turns up by chance in random base64 now and then.
    jwt = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.")
    assert not jwt.search(raw) and not jwt.search(repr(decoded))
    cached = cache.get(KEY_PREFIX + key)
    assert cached is not None and not jwt.search(repr(cached))
    token = open_token(decoded["voltstorage_token"])
    assert jwt.match(token)  # the pattern would find the real token
    assert token not in raw and token not in repr(decoded) and token not in repr(cached)


def test_rotating_the_key_signs_everyone_out_cleanly(fleet_client):
    with override_settings(TOKEN_ENCRYPTION_KEY="another-key-after-a-rotation-0123456789"):
        for url in ("/", "/products/1/", "/products/1/export"):
            response = fleet_client.get(url)
            assert response.status_code == 302, url
            assert "/signin/" in response["Location"]
        page = fleet_client.get("/signin/?expired=1")
        assert page.status_code == 200
        assert "Your session expired." in _html(page)
