"""The emulator's login and token rules, per docs/upstream-api.md (Authentication)."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
import time_machine
from django.test import Client

from emulator import auth as auth_module
from emulator.models import User
from tests.emulator.conftest import NOW, auth_header

pytestmark = pytest.mark.django_db


def _login(client: Client, body: object, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body)
    return client.post("/rest/login/password", data=data, content_type="application/json")


def _products(client: Client, token: str, **extra):
    return client.get("/rest/products", {"count": 1}, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_demo_account_gets_a_jwt_whose_expiry_follows_validity(client):
    with time_machine.travel(1_700_000_000, tick=False):
        response = _login(
            client, {"email": "Fleet@Example.com", "password": "voltstorage", "validity": 600}
        )
    assert response.status_code == 200
    token = response.json()["token"]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "HS256"
    assert claims["exp"] - claims["iat"] == 600
    assert claims["iat"] == 1_700_000_000


def test_validity_defaults_to_one_day(client):
    token = _login(client, {"email": "owner1@example.com", "password": "voltstorage"}).json()[
        "token"
    ]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 86400


def test_wrong_email_and_wrong_password_give_the_same_message(client):
    wrong_email = _login(client, {"email": "nobody@example.com", "password": "voltstorage"})
    wrong_password = _login(client, {"email": "fleet@example.com", "password": "nope"})
    assert wrong_email.status_code == wrong_password.status_code == 400
    assert wrong_email.json() == wrong_password.json()
    assert wrong_email.json()["errors"][0]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"password": "voltstorage"}, "email"),
        ({"email": "fleet@example.com"}, "password"),
        (
            {"email": "fleet@example.com", "password": "voltstorage", "validity": 31622401},
            "validity",
        ),
        ({"email": "fleet@example.com", "password": "voltstorage", "validity": -1}, "validity"),
        ({"email": "fleet@example.com", "password": "voltstorage", "validity": "long"}, "validity"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_login_bodies_get_400_naming_the_parameter(client, body, needle):
    response = _login(client, body)
    assert response.status_code == 400
    assert needle in " ".join(response.json()["errors"])


def test_a_body_that_is_not_json_gets_400(client):
    response = _login(client, None, raw=b"email=fleet@example.com")
    assert response.status_code == 400
    assert "JSON" in response.json()["errors"][0]


def test_login_answers_405_to_get(client):
    assert client.get("/rest/login/password").status_code == 405


def test_the_token_works_as_bearer_header_and_as_query_parameter(client):
    token = _login(client, {"email": "fleet@example.com", "password": "voltstorage"}).json()[
        "token"
    ]
    assert (
        client.get("/rest/products", {"count": 1}, HTTP_AUTHORIZATION=f"Bearer {token}").status_code
        == 200
    )
    assert client.get("/rest/products", {"count": 1, "token": token}).status_code == 200


def test_an_expired_token_gets_401(client):
    with time_machine.travel(1_700_000_000, tick=False):
        token = _login(
            client, {"email": "fleet@example.com", "password": "voltstorage", "validity": 60}
        ).json()["token"]
        assert _products(client, token).status_code == 200
    with time_machine.travel(1_700_000_061, tick=False):
        response = _products(client, token)
    assert response.status_code == 401
    assert "expired" in response.json()["errors"][0]


def test_validity_zero_gives_a_token_that_is_already_expired(client):
    with time_machine.travel(1_700_000_000, tick=False):
        token = _login(
            client, {"email": "fleet@example.com", "password": "voltstorage", "validity": 0}
        ).json()["token"]
        assert _products(client, token).status_code == 401


def test_a_token_with_a_forged_signature_gets_401(client):
    forged = jwt.encode(
        {"sub": "1", "exp": 4_000_000_000},
        "not-the-secret-but-long-enough-for-hs256-0123456789",
        algorithm="HS256",
    )
    assert _products(client, forged).status_code == 401


def test_an_alg_none_token_gets_401(client):
    def b64(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64({'sub': '1', 'exp': 4_000_000_000})}."
    assert _products(client, unsigned).status_code == 401


def test_a_missing_or_malformed_token_gets_401(client):
    assert client.get("/rest/products").status_code == 401
    assert client.get("/rest/products", HTTP_AUTHORIZATION="Basic abc").status_code == 401
    assert client.get("/rest/products", {"token": "garbage"}).status_code == 401


def test_a_deleted_users_token_stops_working_within_the_user_cache_lifetime(client, fleet):
    """The lookup behind a token is reused for ``USER_TTL`` seconds, never longer."""
    owner = User.objects.get(email="owner2@example.com")
    with time_machine.travel(NOW, tick=False):
        auth = auth_header(owner.email, NOW)
        assert client.get("/rest/products", {"count": 1}, **auth).status_code == 200
        User.objects.filter(pk=owner.pk).delete()  # rolled back with the test
        assert client.get("/rest/products", {"count": 1}, **auth).status_code == 200
    with time_machine.travel(NOW + auth_module.USER_TTL + 1, tick=False):
        refused = client.get("/rest/products", {"count": 1}, **auth)
    assert refused.status_code == 401
    assert refused.json()["errors"] == ["token invalid: unknown user"]
