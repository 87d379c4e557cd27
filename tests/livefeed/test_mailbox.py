"""A slow viewer skips to the newest state; it neither delays others nor grows memory."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from livefeed.mailbox import Mailbox
from livefeed.metrics import METRICS
from livefeed.state import Message


class Browser:
    """A receiving end whose socket can be stalled, like a phone on a bad network.

    ``send`` is the ASGI send (waits while stalled); ``write`` the server's direct write of an
    encoded frame, which refuses while stalled (``livefeed.wire``)."""

    def __init__(self, stalled: bool = False) -> None:
        self.received: list[str] = []
        self.written = 0  # how many came the direct way
        self.flowing = asyncio.Event()
        if not stalled:
            self.flowing.set()

    async def send(self, text: str) -> None:
        await self.flowing.wait()
        self.received.append(text)

    def write(self, frame: bytes) -> bool:
        if not self.flowing.is_set():
            return False
        assert frame[0] == 0x81 and frame[1] < 126  # one short text frame
        self.received.append(frame[2:].decode())
        self.written += 1
        return True


async def _running(*boxes: Mailbox) -> list[asyncio.Task]:
    tasks = [asyncio.create_task(box.run()) for box in boxes]
    await asyncio.sleep(0)
    return tasks


async def _stop(tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _until(condition) -> None:
    while not condition():
        await asyncio.sleep(0)


async def test_a_briefly_stalled_viewer_gets_every_state_within_its_queue():
    slow = Browser(stalled=True)
    box = Mailbox(slow.send, limit=4)
    tasks = await _running(box)
    box.put(Message.of("state-0"))
    await asyncio.sleep(0)  # the writer takes state-0 and blocks on the stalled socket
    for n in range(1, 5):
        box.put(Message.of(f"state-{n}"))
    slow.flowing.set()
    await _until(lambda: len(slow.received) == 5)
    assert slow.received == [f"state-{n}" for n in range(5)]
    await _stop(tasks)


async def test_a_viewer_that_falls_further_behind_skips_to_the_newest_state():
    slow = Browser(stalled=True)
    box = Mailbox(slow.send, limit=4)
    tasks = await _running(box)
    dropped = METRICS.frames_dropped_total
    box.put(Message.of("state-0"))
    await asyncio.sleep(0)
    for n in range(1, 1001):
        box.put(Message.of(f"state-{n}"))
        assert box.pending <= 4  # bounded, however long the stall
    slow.flowing.set()
    await _until(lambda: slow.received[-1:] == ["state-1000"])
    assert slow.received[0] == "state-0"
    assert len(slow.received) <= 5
    assert METRICS.frames_dropped_total - dropped == 1001 - len(slow.received)
    await _stop(tasks)


async def test_a_stalled_viewer_does_not_delay_the_others():
    slow, fast = Browser(stalled=True), Browser()
    boxes = [Mailbox(slow.send, limit=2), Mailbox(fast.send, limit=2)]
    tasks = await _running(*boxes)
    for n in range(50):
        for box in boxes:
            box.put(Message.of(f"state-{n}"))
        await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert fast.received == [f"state-{n}" for n in range(50)]
    assert slow.received == []
    await _stop(tasks)


async def test_a_heartbeat_never_replaces_a_pending_state():
    browser = Browser(stalled=True)
    box = Mailbox(browser.send)
    box.put(Message.of("state"))
    box.put_heartbeat(Message.of("beat"))
    tasks = await _running(box)
    browser.flowing.set()
    await _until(lambda: len(browser.received) == 2)
    assert browser.received == ["state", "beat"]
    await _stop(tasks)


async def test_without_direct_writes_states_go_out_in_order_through_the_writer():
    browser = Browser()
    box = Mailbox(browser.send)
    tasks = await _running(box)
    box.put(Message.of("state-0"))
    box.put(Message.of("state-1"))
    await _until(lambda: len(browser.received) == 2)
    assert browser.received == ["state-0", "state-1"]
    assert box.pending == 0
    await _stop(tasks)


@pytest.mark.parametrize("direct", [False, True], ids=["send only", "direct write refused"])
async def test_a_stalled_send_keeps_its_place_ahead_of_later_states(direct):
    """Also where the server offers direct writes: a refused write falls back to the send,
    and once the socket is free the queued states go the direct way, in order."""
    browser = Browser(stalled=True)
    box = Mailbox(browser.send, limit=4, write=browser.write if direct else None)
    tasks = await _running(box)
    box.put(Message.of("state-0"))  # the direct write is refused: queued
    box.put(Message.of("state-1"))
    await asyncio.sleep(0)  # the writer takes state-0 and waits on the stalled socket
    box.put(Message.of("state-2"))
    assert browser.received == []
    browser.flowing.set()
    await _until(lambda: len(browser.received) == 3)
    assert browser.received == ["state-0", "state-1", "state-2"]
    box.put(Message.of("state-3"))
    if direct:  # a free socket takes it at once, inside put
        assert browser.received[-1] == "state-3"
    await _until(lambda: browser.received[-1:] == ["state-3"])
    assert browser.written == (3 if direct else 0)  # all but the refused one
    await _stop(tasks)


async def test_a_heartbeat_is_not_counted_as_a_frame():
    browser = Browser()
    box = Mailbox(browser.send)
    tasks = await _running(box)
    sent = METRICS.frames_out_total
    box.put_heartbeat(Message.of("beat"))
    await _until(lambda: browser.received == ["beat"])
    assert METRICS.frames_out_total == sent
    await _stop(tasks)


async def test_a_free_socket_takes_the_frame_encoded_once_inside_put_with_no_writer_running():
    browser = Browser()
    box = Mailbox(browser.send, write=browser.write)
    sent = METRICS.frames_out_total
    box.put(Message.of("state-0"))
    box.put_heartbeat(Message.of("beat"))
    assert browser.received == ["state-0", "beat"]
    assert browser.written == 2
    assert METRICS.frames_out_total - sent == 1  # the state, not the heartbeat
