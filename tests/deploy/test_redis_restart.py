"""Redis stopped and started again under two dashboard processes, with a private redis-server
(the shared one is never touched): frames never cross Redis, so every viewer keeps its socket
and keeps getting frames while Redis is down; once Redis is back, the sockets re-join their
session groups by themselves, and a sign-out through one process closes that session's sockets
on both.

Run by CI's engines pass (skipped without ``REDIS_URL``, like the other several-process test).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Iterator

import pytest

from tests.cluster import REDIS_SERVER, Dashboard, PrivateRedis, dashboards, sign_in, sign_out
from tests.conftest import _database_url
from tests.deploy.test_nginx import Tab, _online_products, cancel_tabs, eventually

pytestmark = [
    pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed"),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="several processes need REDIS_URL (CI sets it)"
    ),
    pytest.mark.django_db,
]


@pytest.fixture
def private_cluster(server) -> Iterator[tuple[PrivateRedis, Dashboard, Dashboard]]:
    store = PrivateRedis()
    store.start()
    env = {
        "DATABASE_URL": _database_url(),
        "REDIS_URL": store.url,
        "REDIS_PREFIX": "",
        "VOLTSTORAGE_API_URL": server.api_url,
        "LIVEFEED_GRACE_SECONDS": "1",
        "LOG_LEVEL": "INFO",
    }
    try:
        with dashboards(env) as (one, two):
            yield store, one, two
    finally:
        store.stop()
        shutil.rmtree(store.folder, ignore_errors=True)


async def test_viewers_keep_frames_while_redis_is_down_and_sign_out_works_after(
    private_cluster, fleet
):
    from django.conf import settings

    from livefeed.consumers import session_group

    store, one, two = private_cluster
    product = _online_products(fleet, 1)[0]
    name = settings.SESSION_COOKIE_NAME
    leaving = await asyncio.to_thread(sign_in, one.url, "fleet@example.com")
    staying = await asyncio.to_thread(sign_in, two.url, "fleet@example.com")
    leaving_key = leaving.cookies[name]
    group = session_group(leaving_key)

    def tabs_on(dashboard: Dashboard, cookie: str) -> list[Tab]:
        ws = dashboard.url.replace("http://", "ws://")
        return [Tab(ws, product, f"{name}={cookie}") for _ in range(2)]

    leaving_tabs = tabs_on(one, leaving_key) + tabs_on(two, leaving_key)
    staying_tabs = tabs_on(one, staying.cookies[name]) + tabs_on(two, staying.cookies[name])
    everyone = leaving_tabs + staying_tabs
    tasks = [asyncio.create_task(tab.run()) for tab in everyone]
    try:
        await eventually(lambda: all(t.times for t in everyone), 60, "every tab has a state")
        await eventually(
            lambda: store.group_size(group) == len(leaving_tabs), 30, "the session's group"
        )

        # Redis down: every tab keeps its socket and keeps getting frames.
        await asyncio.to_thread(store.stop)
        down_at = time.time()
        await eventually(
            lambda: all(t.last_state_at > down_at + 8 for t in everyone),
            60,
            "frames to every tab for 8 s after Redis stopped",
        )
        assert all(t.opened == 1 and not t.closes for t in everyone), [t.closes for t in everyone]
        assert one.process.poll() is None and two.process.poll() is None

        # Redis back, empty: the sockets re-join their groups by themselves.
        await asyncio.to_thread(store.start)
        await eventually(
            lambda: store.group_size(group) == len(leaving_tabs),
            settings.LIVEFEED_GROUP_REFRESH + 30,
            "the session's sockets in their group again",
        )

        # Signing out through process two closes the session's tabs on both processes.
        assert await asyncio.to_thread(sign_out, leaving, two.url) in (200, 302, 303)
        await eventually(
            lambda: all(t.final == 4401 for t in leaving_tabs), 30, "signed-out tabs closed"
        )
        assert all(t.final is None and t.opened == 1 for t in staying_tabs)
    finally:
        await cancel_tabs(tasks)
        leaving.close()
        staying.close()
