"""The per-viewer fleet snapshot: cached under a hash, served stale while it refreshes."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.test.utils import override_settings

from dashboard import fleet_snapshot
from dashboard.fleet_params import FleetQuery
from products.client import UpstreamUnavailable
from tests.conftest import FLEET_SIZE

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)


async def test_the_cache_key_is_a_hash_of_the_token_never_the_token(server, fleet_token):
    await fleet_snapshot.get(fleet_token)
    key = fleet_snapshot.cache_key(fleet_token)
    assert fleet_token not in key
    assert await cache.aget(key) is not None


async def test_a_snapshot_holds_the_whole_fleet_of_the_viewer(server, fleet_token, fleet):
    snapshot = await fleet_snapshot.get(fleet_token)
    assert sorted(r.id for r in snapshot.rows) == [p.id for p in fleet]
    assert len(snapshot.groups()) == len({p.group_id for p in fleet})
    assert snapshot.tiles(FleetQuery()).all == FLEET_SIZE


async def test_a_fresh_snapshot_is_served_from_the_cache_without_the_upstream(server, fleet_token):
    first = await fleet_snapshot.get(fleet_token)
    with override_settings(VOLTSTORAGE_API_URL="http://127.0.0.1:9/rest"):
        again = await fleet_snapshot.get(fleet_token)
    assert again.built_at == first.built_at


async def test_a_stale_snapshot_is_served_while_one_background_refresh_runs(server, fleet_token):
    with time_machine.travel(NOW, tick=False) as traveller:
        first = await fleet_snapshot.get(fleet_token)
        traveller.shift(fleet_snapshot.FRESH_FOR + 1)
        stale = await fleet_snapshot.get(fleet_token)
        also_stale = await fleet_snapshot.get(fleet_token)
        assert stale.built_at == also_stale.built_at == first.built_at
        assert len(fleet_snapshot._refreshing) == 1  # one refresh, not one per request
        await asyncio.gather(*fleet_snapshot._refreshing)
        refreshed = await fleet_snapshot.get(fleet_token)
    assert refreshed.built_at == first.built_at + fleet_snapshot.FRESH_FOR + 1


async def test_a_failed_refresh_keeps_the_last_good_snapshot(server, fleet_token):
    unreachable = override_settings(
        VOLTSTORAGE_API_URL="http://127.0.0.1:9/rest", UPSTREAM_RETRY_DELAYS=(0, 0)
    )
    with time_machine.travel(NOW, tick=False) as traveller:
        first = await fleet_snapshot.get(fleet_token)
        traveller.shift(fleet_snapshot.FRESH_FOR + 1)
        with unreachable:
            await fleet_snapshot.get(fleet_token)
            await asyncio.gather(*fleet_snapshot._refreshing)
        kept = await fleet_snapshot.cached(fleet_token)
    assert kept.built_at == first.built_at


async def test_without_any_snapshot_an_unreachable_upstream_raises(db):
    with (
        override_settings(
            VOLTSTORAGE_API_URL="http://127.0.0.1:9/rest", UPSTREAM_RETRY_DELAYS=(0, 0)
        ),
        pytest.raises(UpstreamUnavailable),
    ):
        await fleet_snapshot.get("some-token")


def _row(n, **kw):
    base = dict(
        id=n, serial_number=f"AA{n:05d}", type_id=1, type_name="VoltStorage SMART",
        hardware_version="5.4", group_id=1, group_name="Graz", owner_id=1,
        owner_name="Alpenstrom", customer="", installation_date="2024-01-01",
        online=True, errors=(),
    )  # fmt: skip
    base.update(kw)
    return fleet_snapshot.Row(**base)


def test_local_sorting_matches_the_upstream_rule_nulls_last_then_ids():
    rows = [
        _row(1, installation_date=None),
        _row(2, installation_date="2024-05-01"),
        _row(3, installation_date="2023-01-01"),
        _row(4, installation_date="2024-05-01"),
    ]
    ascending = fleet_snapshot.sort_rows(rows, "installed")
    descending = fleet_snapshot.sort_rows(rows, "-installed")
    assert [r.id for r in ascending] == [3, 2, 4, 1]
    assert [r.id for r in descending] == [2, 4, 3, 1]


def test_a_product_not_yet_installed_is_not_counted_offline():
    snapshot = fleet_snapshot.Snapshot(
        [_row(1, online=False), _row(2, online=False, installation_date=None), _row(3)], 0.0
    )
    tiles = snapshot.tiles(FleetQuery())
    assert (tiles.online, tiles.offline, tiles.not_installed) == (1, 1, 1)
    assert [r.id for r in snapshot.select(FleetQuery(state="offline"))] == [1]
