"""A Django test client signed in through the real sign-in page against the live emulator."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from tests.conftest import PASSWORD


def sign_in(client: Client, email: str, *, keep: bool = False, next_url: str = ""):
    data = {"email": email, "password": PASSWORD}
    if keep:
        data["keep"] = "on"
    if next_url:
        data["next"] = next_url
    return client.post("/signin/", data)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts without fleet snapshots left by another."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _tiles_never_deferred(monkeypatch):
    """Pages wait for the fleet summary however slow the machine (one test says otherwise)."""
    from dashboard import fleet_snapshot

    monkeypatch.setattr(fleet_snapshot, "FIRST_WAIT", 60.0)


@pytest.fixture
def fleet_client(server, db) -> Client:
    client = Client()
    response = sign_in(client, "fleet@example.com")
    assert response.status_code == 302
    return client


@pytest.fixture
def owner1_client(server, db) -> Client:
    client = Client()
    assert sign_in(client, "owner1@example.com").status_code == 302
    return client
