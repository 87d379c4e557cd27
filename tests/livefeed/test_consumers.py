"""The browser socket: who gets in, and what a viewer receives first."""

from __future__ import annotations

import asyncio
import json

from channels.testing import WebsocketCommunicator

from livefeed.wire import WRITE_FRAME
from tests.livefeed.conftest import FULL_FRAME, connected, eventually, next_message, viewer


async def test_a_signed_in_viewer_gets_the_full_state_at_once(
    upstream, make_session, owner1_token, owner1_products
):
    product = owner1_products[0]
    async with connected(viewer(product, make_session(owner1_token))) as browser:
        message = await next_message(browser)
    assert message["product"] == product
    assert message["connection"] == "live"
    assert message["time"] == 1000
    assert message["data"] == FULL_FRAME


async def test_where_the_server_offers_direct_writes_states_go_out_as_frames_encoded_once(
    upstream, make_session, owner1_token, fleet_token, owner1_products
):
    """Served by ``python -m dashboard.serve``, a state is one frame written to every viewer's
    socket as the same bytes, with no ASGI send per viewer."""
    product = owner1_products[0]
    frames: list[list[bytes]] = [[], []]
    browsers = [viewer(product, make_session(token)) for token in (owner1_token, fleet_token)]
    for browser, written in zip(browsers, frames, strict=True):
        write = lambda frame, written=written: written.append(frame) or True  # noqa: E731
        browser.scope["extensions"] = {WRITE_FRAME: {"write": write}}
    async with connected(browsers[0]) as one, connected(browsers[1]) as two:
        await eventually(lambda: all(frames))
        await upstream.send(product, {"type": "latest-data", "time": 1001, "data": {"pvPower": 7}})
        await eventually(lambda: all(len(written) >= 2 for written in frames))
        assert frames[0][-1] is frames[1][-1]  # encoded once, the same bytes for both
        frame = frames[0][-1]
        assert frame[:2] == b"\x81\x7e"  # a final text frame, 16-bit length
        state = json.loads(frame[4:])
        assert state["type"] == "state" and state["data"]["pvPower"] == 7
        # Through ASGI only what is one viewer's own: the recent history of a late joiner.
        assert await one.receive_nothing()
        assert (await two.receive_json_from())["type"] == "history"
        assert await two.receive_nothing()


async def test_it_refuses_a_socket_without_a_session(upstream):
    communicator = viewer(1, None)
    accepted, _ = await communicator.connect()
    assert accepted
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}
    await communicator.disconnect()
    assert upstream.connects.total() == 0


async def test_it_refuses_a_session_without_a_token(upstream, make_session):
    communicator = viewer(1, "not-a-session-key-of-this-server")
    await communicator.connect()
    assert (await communicator.receive_output(timeout=3))["code"] == 4401
    await communicator.disconnect()


async def test_it_refuses_a_viewer_who_may_not_see_the_product(
    upstream, make_session, owner1_token, foreign_product
):
    communicator = viewer(foreign_product, make_session(owner1_token))
    await communicator.connect()
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}
    await communicator.disconnect()
    assert upstream.connects.total() == 0


async def test_it_refuses_an_expired_token_with_4401(upstream, make_session, owner1_products):
    communicator = viewer(owner1_products[0], make_session("expired.or.forged"))
    await communicator.connect()
    assert (await communicator.receive_output(timeout=3))["code"] == 4401
    await communicator.disconnect()


async def test_it_refuses_a_page_of_a_foreign_origin(upstream, make_session, owner1_token):
    evil = (b"origin", b"https://evil.example")
    communicator = viewer(1, make_session(owner1_token), origin=evil)
    accepted, _ = await communicator.connect()
    assert not accepted
    await communicator.disconnect()
    assert upstream.connects.total() == 0


async def test_a_second_viewer_shares_the_upstream_socket_and_gets_the_merged_state_at_once(
    upstream, make_session, owner1_token, fleet_token, owner1_products
):
    product = owner1_products[0]
    async with connected(viewer(product, make_session(owner1_token))) as first:
        await next_message(first)
        await upstream.send(product, {"type": "latest-data", "time": 1001, "data": {"pvPower": 7}})
        assert (await next_message(first))["data"]["pvPower"] == 7
        async with connected(viewer(product, make_session(fleet_token))) as second:
            joined = await next_message(second)
            assert joined["data"] == {**FULL_FRAME, "pvPower": 7}
            assert joined["time"] == 1001
            assert upstream.sockets_for(product) == 1
            assert upstream.connects[product] == 1


async def test_deltas_are_merged_and_product_frames_relayed(
    upstream, make_session, owner1_token, owner1_products
):
    product = owner1_products[0]
    async with connected(viewer(product, make_session(owner1_token))) as browser:
        await next_message(browser)
        await upstream.send(
            product, {"type": "latest-data", "time": 1002, "data": {"stateOfCharge": 0.6}}
        )
        merged = await next_message(browser)
        assert merged["data"]["stateOfCharge"] == 0.6
        assert merged["data"]["gridPower"] == FULL_FRAME["gridPower"]
        await upstream.send(
            product, {"type": "product", "time": 1003, "data": {"online": False, "errors": ["x"]}}
        )
        offline = await next_message(browser)
        assert (offline["connection"], offline["online"], offline["errors"]) == (
            "offline",
            False,
            ["x"],
        )
        await upstream.send(product, {"type": "no-such-type", "data": {}})
        await upstream.send(product, {"type": "product", "time": 1004, "data": {"online": True}})
        online = await next_message(browser)
        assert online["connection"] == "live"
        assert online["seq"] == offline["seq"] + 1  # the unknown frame was not relayed


async def test_signing_out_closes_that_sessions_sockets_only(
    upstream, make_session, owner1_token, owner1_products
):
    from signin.signals import signed_out

    product = owner1_products[0]
    leaving, staying = make_session(owner1_token), make_session(owner1_token)
    async with (
        connected(viewer(product, leaving)) as left,
        connected(viewer(product, staying)) as stayed,
    ):
        await next_message(left)
        await next_message(stayed)
        await signed_out.asend(sender="signin", session_key=leaving)
        assert await left.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}
        assert await stayed.receive_nothing(timeout=0.2)
        await upstream.send(product, {"type": "latest-data", "time": 1005, "data": {"pvPower": 1}})
        assert (await next_message(stayed))["data"]["pvPower"] == 1


async def test_a_silent_product_turns_stale_and_heartbeats_keep_coming(
    settings, upstream, make_session, owner1_token, owner1_products
):
    settings.LIVEFEED_STALE_SECONDS = 0.2
    settings.LIVEFEED_HEARTBEAT_SECONDS = 0.1
    async with connected(viewer(owner1_products[0], make_session(owner1_token))) as browser:
        assert (await next_message(browser))["connection"] == "live"
        stale = await next_message(browser, lambda m: m.get("connection") == "stale")
        assert stale["data"] == FULL_FRAME  # values stay, only marked stale
        beat = await next_message(browser, lambda m: m["type"] == "heartbeat")
        assert beat["now"] > 0


async def test_no_heartbeat_goes_out_while_states_stream_and_one_follows_when_they_stop(
    settings, upstream, make_session, owner1_token, owner1_products
):
    settings.LIVEFEED_HEARTBEAT_SECONDS = 0.1
    product = owner1_products[0]
    async with connected(viewer(product, make_session(owner1_token))) as browser:
        await next_message(browser)
        kinds = []
        for k in range(20):  # 1 s of states at 20 a second: ten heartbeat ticks pass
            await upstream.send(
                product, {"type": "latest-data", "time": 1001 + k, "data": {"pvPower": k}}
            )
            kinds.append((await browser.receive_json_from(timeout=3))["type"])
            await asyncio.sleep(0.05)
        assert kinds == ["state"] * 20
        beat = await next_message(browser, lambda m: m["type"] == "heartbeat", timeout=1)
        assert beat["now"] > 0


async def test_a_browser_that_stops_answering_heartbeats_is_closed(
    settings, upstream, make_session, owner1_token, owner1_products
):
    settings.LIVEFEED_HEARTBEAT_SECONDS = 0.05
    settings.LIVEFEED_VIEWER_TIMEOUT = 0.3
    communicator: WebsocketCommunicator = viewer(owner1_products[0], make_session(owner1_token))
    async with connected(communicator) as browser:
        await next_message(browser)
        await browser.send_json_to({"type": "pong"})  # then it falls silent
        output: dict = {}
        while output.get("type") != "websocket.close":
            output = await browser.receive_output(timeout=3)
        assert output["code"] == 4408
        await eventually(lambda: upstream.sockets_for(owner1_products[0]) == 0)


async def test_a_browser_that_pongs_stays_open_and_its_pongs_never_hop_to_a_thread(
    settings, monkeypatch, upstream, make_session, owner1_token, owner1_products
):
    import channels.consumer

    hops: list[str] = []
    close_old = channels.consumer.aclose_old_connections

    async def counted() -> None:  # Channels' per-message hop to a thread, counted
        hops.append("hop")
        await close_old()

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)
    settings.LIVEFEED_HEARTBEAT_SECONDS = 0.05
    settings.LIVEFEED_VIEWER_TIMEOUT = 0.3
    communicator: WebsocketCommunicator = viewer(owner1_products[0], make_session(owner1_token))
    async with connected(communicator) as browser:
        await next_message(browser)
        after_connect = len(hops)
        for _ in range(10):  # a second, three times the timeout
            await browser.send_json_to({"type": "pong"})
            await asyncio.sleep(0.1)
        assert (await next_message(browser, lambda m: True))["type"] in ("state", "heartbeat")
        assert len(hops) == after_connect


async def test_a_joining_viewer_first_gets_the_recent_history_for_its_chart(
    upstream, make_session, owner1_token, fleet_token, owner1_products
):
    product = owner1_products[0]
    async with connected(viewer(product, make_session(owner1_token))) as first:
        await next_message(first)
        for t, pv in ((1000.5, 1), (1001, 2), (1002, 3)):
            await upstream.send(
                product, {"type": "latest-data", "time": t, "data": {"pvPower": pv}}
            )
            await next_message(first)
        async with connected(viewer(product, make_session(fleet_token))) as second:
            history = await second.receive_json_from(timeout=3)
            assert history["type"] == "history"
            # at most one point a second: 1000.5 is folded away; [time, pv, house, battery, grid]
            assert history["points"] == [
                [1000, 500.0, 950.0, 330.0, 120.0],
                [1001, 2, 950.0, 330.0, 120.0],
                [1002, 3, 950.0, 330.0, 120.0],
            ]
            assert (await second.receive_json_from(timeout=3))["type"] == "state"


async def test_a_burst_of_sockets_of_one_viewer_makes_one_upstream_access_check(
    upstream, make_session, server, owner1_products
):
    import asyncio

    from livefeed.metrics import METRICS
    from tests.conftest import login_token

    fresh = await asyncio.to_thread(login_token, server, "owner1@example.com", validity=3599)
    key = make_session(fresh)
    checks = METRICS.access_checks_total
    browsers = [viewer(owner1_products[0], key) for _ in range(20)]
    await asyncio.gather(*(b.connect() for b in browsers))
    for browser in browsers:
        assert (await next_message(browser))["type"] == "state"
    assert METRICS.access_checks_total == checks + 1
    for browser in browsers:
        await browser.disconnect()


async def test_a_cancelled_disconnect_stays_cancelled():
    """The event loop's shutdown cancels a consumer once and waits for it: a disconnect that
    swallowed that cancellation while it waited for its writer went on as if nothing happened
    (a lost cancellation is how a test loop's teardown hangs)."""
    from livefeed.consumers import LiveConsumer

    consumer = LiveConsumer()
    writer_started = asyncio.Event()

    async def slow_writer() -> None:
        writer_started.set()
        await asyncio.Event().wait()  # until cancelled

    consumer._writer = asyncio.create_task(slow_writer())
    consumer._closer = None
    await writer_started.wait()

    disconnecting = asyncio.create_task(consumer.disconnect(1000))
    await asyncio.sleep(0)  # disconnect has cancelled the writer and waits for it to end
    disconnecting.cancel()
    await asyncio.wait([disconnecting], timeout=30)
    assert disconnecting.cancelled()
