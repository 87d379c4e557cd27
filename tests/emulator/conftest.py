"""Fixtures of the emulator's data tests: a frozen instant, a product with a known history,
tokens as headers."""

from __future__ import annotations

import datetime as dt

import pytest

from emulator.auth import issue_token
from emulator.models import Product, User
from emulator.site import Site

# A Wednesday in June 2026: long days, so PV, charging and discharging all happen.
NOW = dt.datetime(2026, 6, 17, 14, 30, 12, 250000, tzinfo=dt.UTC).timestamp()
DAY = 86_400


@pytest.fixture
def now(time_machine) -> float:
    time_machine.move_to(NOW, tick=False)
    return NOW


def auth_header(email: str, now: float | None = None) -> dict[str, str]:
    """Test-client kwargs carrying a fresh token of this demo account (issued at ``now``)."""
    user = User.objects.get(email=email)
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user, 3600, now=now)}"}


@pytest.fixture
def fleet_auth(fleet, now) -> dict[str, str]:
    return auth_header("fleet@example.com", NOW)


@pytest.fixture
def owner1_auth(fleet, now) -> dict[str, str]:
    return auth_header("owner1@example.com", NOW)


@pytest.fixture
def product(fleet) -> Product:
    """An installed product of owner 1, online all of yesterday and now."""
    owner_id = User.objects.get(email="owner1@example.com").owner_id
    for candidate in fleet:
        if candidate.group.owner_id != owner_id:
            continue
        site = Site.from_product(candidate)
        if site.installed_at is None or site.installed_at > NOW - 30 * DAY:
            continue
        if candidate.sim_offline_since is not None or candidate.sim_offline_rate > 0.1:
            continue
        return candidate
    raise AssertionError("the seeded fleet has no installed, reliable product of owner 1")


@pytest.fixture
def foreign_product(fleet) -> Product:
    owner_id = User.objects.get(email="owner1@example.com").owner_id
    return next(p for p in fleet if p.group.owner_id != owner_id)


@pytest.fixture
def site(product) -> Site:
    return Site.from_product(product)
