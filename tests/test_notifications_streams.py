"""Real-time streams (SPEC F-41): resume after the last sequence seen with no gap and no
duplicate, several devices at once, slow clients told to resync without slowing anyone, and the
refusals (someone else's stream, an unknown user, a sequence from the future).
Identity and notifications over real NATS and PostgreSQL, one system for the module."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest

from convene.notifications.v1 import notifications_pb2 as pb
from convene.notifications.v1 import notifications_pb2_grpc
from services.runtime.ids import new_id
from tests.harness import StreamRecorder, System, bearer, eventually, module_system, publish_events, refused
from tests.notifications_kit import card_event, notice, notices_event, wechat_users

BUFFER = 32


@pytest.fixture(scope="module")
async def system(postgres, tmp_path_factory) -> AsyncIterator[System]:
    async with module_system(postgres, tmp_path_factory.mktemp("notifications-streams"), "identity",
                             "notifications", stream_buffer=BUFFER, idle_check_s=2.0) as running:
        yield running


async def send_cards(system: System, recipients: list[str], count: int) -> None:
    """`count` new live cards to `recipients`, one event each."""
    await publish_events(system.nats_url, *(card_event(recipients) for _ in range(count)))


async def test_reconnect_resumes_after_the_last_sequence_with_no_gap_and_no_duplicate(system: System) -> None:
    [(user, token)] = await wechat_users(system, 1)
    first = StreamRecorder(system, token)
    await first.ready()
    await send_cards(system, [user], 3)
    await eventually(_has(first, 3), what="three live notifications")
    await first.close()
    assert first.sequences == [1, 2, 3]

    await send_cards(system, [user], 4)  # while the client is away
    await eventually(_latest(system, token, 7), what="four more in the inbox")
    # Reconnect while more arrive: each one comes once, from the backlog or live.
    resumed = StreamRecorder(system, token, after_sequence=3)
    await asyncio.gather(resumed.ready(), send_cards(system, [user], 5))
    await eventually(_has(resumed, 9), what="backlog and live notifications")
    await asyncio.sleep(0.3)  # a duplicate would arrive in this window
    assert resumed.sequences == list(range(4, 13))
    caught_up = [r.caught_up for r in resumed.items if r.HasField("caught_up")]
    assert len(caught_up) == 1 and caught_up[0].sequence >= 7
    await resumed.close()


async def test_every_device_of_a_user_gets_every_notification(system: System) -> None:
    [(user, token), (_other, other_token)] = await wechat_users(system, 2)
    phone, desktop, elsewhere = (StreamRecorder(system, t) for t in (token, token, other_token))
    await asyncio.gather(phone.ready(), desktop.ready(), elsewhere.ready())
    await send_cards(system, [user], 4)
    await eventually(_has(phone, 4), what="the phone")
    await eventually(_has(desktop, 4), what="the desktop")
    await asyncio.sleep(0.3)
    assert phone.sequences == desktop.sequences == [1, 2, 3, 4]
    assert [n.id for n in phone.received] == [n.id for n in desktop.received]
    assert elsewhere.received == []  # nobody else's stream hears of it
    for stream in (phone, desktop, elsewhere):
        await stream.close()


async def test_a_slow_client_does_not_delay_a_fast_one_and_is_told_to_resync(system: System) -> None:
    [(fast_user, fast_token), (slow_user, slow_token)] = await wechat_users(system, 2)
    fast = StreamRecorder(system, fast_token)
    # A client on a plain HTTP/2 window (no bandwidth probing that would let it buffer megabytes).
    channel = grpc.aio.insecure_channel(system.address_of("notifications"), options=[("grpc.http2.bdp_probe", 0)])
    slow = notifications_pb2_grpc.NotificationsServiceStub(channel).Subscribe(
        pb.SubscribeRequest(), metadata=bearer(slow_token))
    assert (await slow.read()).HasField("caught_up")
    await fast.ready()

    # The slow client reads nothing while large notifications pour in: HTTP/2 flow control stops
    # its writes, then its bounded buffer overflows.
    count = 150
    for _ in range(count):
        await publish_events(system.nats_url, notices_event("meetings", notice(
            [fast_user, slow_user], title="Agenda", body="x" * 2000)))
    await eventually(_has(fast, count), timeout=60, what="every notification on the fast stream")
    assert fast.sequences == list(range(1, count + 1))
    assert fast.error is None

    received, resync = [], None
    while (response := await asyncio.wait_for(slow.read(), 10)) is not grpc.aio.EOF:
        if response.HasField("resync"):
            resync = response.resync
        else:
            received.append(response.notification.sequence)
    assert await slow.code() == grpc.StatusCode.OK
    await channel.close()
    assert resync is not None, "the slow client was never told to resync"
    assert received == list(range(1, resync.after_sequence + 1))
    assert resync.after_sequence < count
    # Reconnecting where it stopped gives the rest, once each.
    again = StreamRecorder(system, slow_token, after_sequence=resync.after_sequence)
    await again.ready()
    assert again.sequences == list(range(resync.after_sequence + 1, count + 1))
    await fast.close()
    await again.close()


async def test_refusals_of_subscribe_carry_a_clear_status(system: System) -> None:
    [(user, token), (other, _)] = await wechat_users(system, 2)
    stub = system.stub("notifications")
    await send_cards(system, [user], 2)
    await eventually(_latest(system, token, 2), what="two notifications in the inbox")

    def first(request: pb.SubscribeRequest, as_token: str | None = token):
        return stub.Subscribe(request, metadata=bearer(as_token) if as_token else ()).read()

    assert await refused(first(pb.SubscribeRequest(after_sequence=3))) == (
        grpc.StatusCode.OUT_OF_RANGE, "SEQUENCE_FROM_THE_FUTURE")
    assert await refused(first(pb.SubscribeRequest(after_sequence=-1))) == (
        grpc.StatusCode.INVALID_ARGUMENT, "INVALID_SEQUENCE")
    assert await refused(first(pb.SubscribeRequest(user_id=other))) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_YOUR_STREAM")
    assert await refused(first(pb.SubscribeRequest(user_id="someone"))) == (
        grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_ID")
    # A well-signed token for a user identity has never heard of.
    ghost = await system.mint_token(new_id("wechat_user"))
    assert await refused(first(pb.SubscribeRequest(), ghost)) == (grpc.StatusCode.NOT_FOUND, "USER_NOT_FOUND")
    assert await refused(first(pb.SubscribeRequest(), system.operator_token)) == (
        grpc.StatusCode.PERMISSION_DENIED, "USERS_ONLY")
    assert await refused(first(pb.SubscribeRequest(), None)) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_MISSING")
    # One's own id, spelled out, is one's own stream.
    own = stub.Subscribe(pb.SubscribeRequest(user_id=user, after_sequence=2), metadata=bearer(token))
    assert (await own.read()).caught_up.sequence == 2
    own.cancel()


def _has(stream: StreamRecorder, count: int):
    async def check() -> bool:
        if stream.error is not None:
            raise stream.error
        return len(stream.received) >= count

    return check


def _latest(system: System, token: str, sequence: int):
    async def check() -> bool:
        page = await system.stub("notifications").ListNotifications(pb.ListNotificationsRequest(),
                                                                     metadata=bearer(token))
        return page.sequence >= sequence

    return check
