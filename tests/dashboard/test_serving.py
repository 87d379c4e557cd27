"""How the app is served (``python -m dashboard.serve``): no token in the server's log, static
files and pages through an async middleware chain, emulator requests admitted a few at a time."""

from __future__ import annotations

import asyncio
import json
import logging
import threading

import httpx
import pytest
from asgiref.sync import sync_to_async
from django.core.handlers.base import BaseHandler
from django.http import HttpResponse
from django.test import AsyncClient, RequestFactory, override_settings
from websockets.sync.client import connect

from dashboard.logs import JsonFormatter
from dashboard.serve import RedactTokens
from emulator import middleware as gate


def test_the_server_log_never_shows_a_token(server, fleet_token, fleet):
    """uvicorn logs every socket's path with its query, which is where the upstream socket's
    token travels; the REST API also takes ``?token=``, which the access log would print."""
    url = f"{server.ws_url}/rest/data/socket?productId={fleet[0].id}&token={fleet_token}"
    with connect(url, open_timeout=10) as ws:
        ws.recv(timeout=10)
    answer = httpx.get(f"{server.api_url}/products", params={"count": 1, "token": fleet_token})
    assert answer.status_code == 200
    log = server.log_path.read_text()
    assert "/rest/data/socket?productId=" in log  # the socket was logged ...
    assert "token=[redacted]" in log  # ... with its token masked
    assert fleet_token not in log
    assert fleet_token.split(".")[2] not in log  # not even the signature alone


def test_redaction_keeps_the_rest_of_the_line():
    record = logging.LogRecord(
        "uvicorn.error", logging.INFO, __file__, 1, '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5", "/rest/data/socket?productId=7&token=abc.def.ghi&x=1"), None,
    )  # fmt: skip
    assert RedactTokens().filter(record)
    assert record.getMessage() == (
        '127.0.0.1:5 - "WebSocket /rest/data/socket?productId=7&token=[redacted]&x=1" [accepted]'
    )


def test_a_json_line_with_a_token_at_the_end_of_a_quoted_path_is_still_json():
    # uvicorn's socket line puts the query last inside quotes, which JSON escapes as \"
    record = logging.LogRecord(
        "uvicorn.error", logging.INFO, __file__, 1, '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5", "/rest/data/socket?productId=7&token=abc.def.ghi"), None,
    )  # fmt: skip
    assert RedactTokens().filter(record)  # as configured: the filter, then the formatter
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == (
        '127.0.0.1:5 - "WebSocket /rest/data/socket?productId=7&token=[redacted]" [accepted]'
    )
    raw = logging.LogRecord(
        "x", logging.INFO, __file__, 1, 'said "GET /a?token=abc.def.ghi"', None, None
    )  # the filter left out: the formatter alone still masks
    assert json.loads(JsonFormatter().format(raw))["message"] == 'said "GET /a?token=[redacted]"'


def test_no_middleware_makes_a_page_hop_to_a_thread(caplog):
    """Django adapts a sync-only middleware with a thread hop per request (and logs that at
    DEBUG); WhiteNoise's own middleware was one, ``AsyncWhiteNoiseMiddleware`` is not."""
    caplog.set_level(logging.DEBUG, logger="django.request")
    BaseHandler().load_middleware(is_async=True)
    adapted = [r.getMessage() for r in caplog.records if "adapted" in r.getMessage()]
    assert adapted == []


@pytest.mark.django_db
async def test_static_files_and_pages_pass_the_async_whitenoise():
    client = AsyncClient()
    css = await client.get("/static/css/app.css")
    assert css.status_code == 200
    assert css["Content-Type"].startswith("text/css")
    assert b"".join(css.streaming_content).strip()
    css.close()
    assert (await client.get("/static/css/no-such-file.css")).status_code == 404
    assert (await client.get("/signin/")).status_code == 200


async def test_the_emulator_admits_a_few_requests_at_a_time_and_refuses_none():
    """Twelve concurrent emulator calls with room for two: all answer, in arrival order, never
    more than two inside at once, on two threads; the dashboard's pages pass without waiting."""
    inside, most, order, threads = 0, 0, [], set()

    async def view(request):
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        order.append(request.path)
        # Sync work (Django's own wrapper around a sync view) runs on the slot's thread.
        threads.add(await sync_to_async(threading.get_ident)())
        await asyncio.sleep(0.02)
        inside -= 1
        return HttpResponse(request.path)

    factory = RequestFactory()
    with override_settings(EMULATOR_CONCURRENCY=2):
        gate._slots.clear()  # slots are made per event loop, with the setting of their time
        try:
            door = gate.EmulatorGate(view)
            paths = [f"/rest/products/{n}" for n in range(12)]
            answers = await asyncio.gather(*(door(factory.get(p)) for p in paths))
            assert [a.content.decode() for a in answers] == paths
            assert order == paths
            assert most == 2
            assert len(threads) == 2  # two long-lived slot threads, not one per request
            most = 0
            await asyncio.gather(*(door(factory.get(f"/products/{n}/")) for n in range(6)))
            assert most == 6  # not an emulator path: not held at the door
        finally:
            gate._slots.clear()
