"""Frames encoded once and written to many sockets, on a real uvicorn server and real sockets."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import connect

from dashboard.serve import options
from livefeed.wire import WRITE_FRAME, encode_text_frame

SIZES = (5, 300, 70_000)  # the three length encodings of a frame header


@contextlib.asynccontextmanager
async def serving(app: Callable[..., Any], **overrides: Any) -> AsyncIterator[str]:
    """``app`` served as ``python -m dashboard.serve`` serves the dashboard, on a free port."""
    settings = {**options("127.0.0.1", 0, access_log=False), **overrides}
    settings.pop("log_config")
    server = uvicorn.Server(uvicorn.Config(app, **settings))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        await task


def writing_app(report: dict[str, Any], frames: int = 1):
    """Accepts, writes ``frames`` rounds of pre-encoded frames, one ASGI send, one more frame,
    then closes and tries to write once more; ``report`` says what ``write`` answered."""

    async def app(scope: dict, receive, send) -> None:
        await receive()  # websocket.connect
        write = scope["extensions"].get(WRITE_FRAME, {}).get("write")
        report["offered"] = write is not None
        await send({"type": "websocket.accept"})
        answers = []
        for n in range(frames):
            for size in SIZES:
                text = f"{n}:" + "x" * size
                if write is None or not write(encode_text_frame(text)):
                    answers.append(False)
                    await send({"type": "websocket.send", "text": text})
                else:
                    answers.append(True)
        await send({"type": "websocket.send", "text": "through asgi"})
        answers.append(write is not None and write(encode_text_frame("written again")))
        if not answers[-1]:
            await send({"type": "websocket.send", "text": "written again"})
        await send({"type": "websocket.close", "code": 1000})
        report["after close"] = write is not None and write(encode_text_frame("too late"))
        report["answers"] = answers
        while (await receive())["type"] != "websocket.disconnect":
            pass

    return app


def expected(frames: int = 1) -> list[str]:
    sent = [f"{n}:" + "x" * size for n in range(frames) for size in SIZES]
    return [*sent, "through asgi", "written again"]


async def test_frames_written_directly_arrive_intact_and_in_order_with_asgi_sends():
    report: dict[str, Any] = {}
    async with serving(writing_app(report)) as url, connect(url, compression=None) as ws:
        received = [message async for message in ws]
    assert report["offered"]
    assert report["answers"] == [True] * (len(SIZES) + 1)  # every frame went the direct way
    assert received == expected()
    assert report["after close"] is False  # a closing socket takes no frame


async def test_a_socket_with_compression_falls_back_to_the_asgi_send():
    report: dict[str, Any] = {}
    app = writing_app(report)
    async with (
        serving(app, ws_per_message_deflate=True) as url,
        connect(url, compression="deflate") as ws,
    ):
        received = [message async for message in ws]
    assert report["offered"]
    assert not any(report["answers"])  # compressed per socket: never pre-encoded frames
    assert received == expected()


async def test_the_dashboard_is_served_without_compression_so_every_socket_takes_frames():
    report: dict[str, Any] = {}
    async with serving(writing_app(report)) as url, connect(url, compression="deflate") as ws:
        assert ws.protocol.extensions == []  # a browser asks for deflate; the server declines
        received = [message async for message in ws]
    assert all(report["answers"])
    assert received == expected()


async def test_a_socket_whose_reader_stalls_refuses_frames_and_loses_none():
    """Back-pressure: when the socket's buffer is full, ``write`` refuses instead of buffering
    without bound; every frame it took arrives, and the refused ones go the ASGI way, which
    waits for room."""
    report: dict[str, Any] = {}
    rounds = 400  # ~28 MB: more than loopback socket buffers hold
    async with (
        serving(writing_app(report, frames=rounds)) as url,
        connect(url, compression=None, max_queue=4, max_size=None) as ws,
    ):
        await asyncio.sleep(0.5)  # not reading: the buffers fill up
        received = [message async for message in ws]
    assert False in report["answers"]  # it did refuse at some point
    assert received == expected(rounds)


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65_535, 65_536])
def test_an_encoded_frame_has_the_right_header_for_every_length(size):
    frame = encode_text_frame("a" * size)
    assert frame[0] == 0x81  # final text frame
    if size < 126:
        assert frame[1] == size and len(frame) == 2 + size
    elif size < 65_536:
        assert frame[1] == 126 and int.from_bytes(frame[2:4]) == size
    else:
        assert frame[1] == 127 and int.from_bytes(frame[2:10]) == size
    assert frame.endswith(b"a" * size)
