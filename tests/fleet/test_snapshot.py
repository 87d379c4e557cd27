"""The per-viewer fleet snapshot: cached under a hash, served stale while it refreshes."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pytest
import respx
import time_machine
from asgiref.sync import async_to_sync, sync_to_async
from django.core.cache import cache
from django.test.utils import override_settings

from fleet import snapshot as fleet_snapshot
from fleet.params import FleetQuery
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
    summary = await fleet_snapshot.get(fleet_token)
    rows = await fleet_snapshot.rows(fleet_token, summary)
    assert sorted(r.id for r in rows) == [p.id for p in fleet]
    assert len(summary.groups()) == len({p.group_id for p in fleet})
    assert summary.tiles(FleetQuery()).all == summary.total == FLEET_SIZE
    group = fleet[0].group_id
    in_group = summary.tiles(FleetQuery(group=group))
    assert in_group.all == sum(1 for p in fleet if p.group_id == group)


async def test_rows_the_cache_lost_are_none_rather_than_wrong(server, fleet_token):
    summary = await fleet_snapshot.get(fleet_token)
    fleet_snapshot._rows_memo.clear()
    await cache.adelete(fleet_snapshot.cache_key(fleet_token) + ":rows")
    assert await fleet_snapshot.rows(fleet_token, summary) is None


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


async def test_concurrent_first_loads_fetch_the_fleet_once(db):
    with (
        override_settings(VOLTSTORAGE_API_URL="http://upstream.test/rest"),
        respx.mock(base_url="http://upstream.test/rest") as upstream,
    ):
        route = upstream.get("/products").mock(
            return_value=httpx.Response(200, json=[{"id": 1, "online": True, "errors": []}])
        )
        summaries = await asyncio.gather(*(fleet_snapshot.get("tab-token") for _ in range(5)))
    assert route.call_count == 1
    assert {s.built_at for s in summaries} == {summaries[0].built_at}


async def test_a_build_outlives_the_request_that_started_it(server, fleet_token):
    """As when a request in another event loop than the server's starts the build, then
    gives up waiting and ends; the build must still finish and be cached."""

    def request() -> None:
        assert async_to_sync(fleet_snapshot.get_within)(fleet_token, 0) is None

    await sync_to_async(request)()
    summary = await fleet_snapshot.get(fleet_token)  # joins the build still in flight
    assert summary.total == FLEET_SIZE
    assert await fleet_snapshot.cached(fleet_token) == summary
