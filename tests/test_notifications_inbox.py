"""The inbox (SPEC F-40): one entry per thread (a live's "started", "ended" and "replay ready"
are one entry that changes), newest first, read / unread, mark one or all read, and an unread
count that every stream item carries so clients can reconcile. Identity and notifications over
real NATS and PostgreSQL, one system for the module."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest

from convene.groups.v1 import groups_pb2
from convene.notifications.v1 import notifications_pb2 as pb
from services.runtime.ids import new_id
from tests.harness import StreamRecorder, System, bearer, eventually, module_system, publish_events, refused
from tests.notifications_kit import card_event, wechat_users


@pytest.fixture(scope="module")
async def system(postgres, tmp_path_factory) -> AsyncIterator[System]:
    async with module_system(postgres, tmp_path_factory.mktemp("notifications-inbox"), "identity",
                             "notifications") as running:
        yield running


async def inbox(system: System, token: str, **request: object) -> pb.ListNotificationsResponse:
    return await system.stub("notifications").ListNotifications(pb.ListNotificationsRequest(**request),
                                                                metadata=bearer(token))


def reaches(system: System, token: str, sequence: int):
    async def check() -> bool:
        return (await inbox(system, token)).sequence >= sequence

    return check


async def test_a_live_started_ended_and_replay_ready_is_one_entry_that_changes(system: System) -> None:
    [(user, token)] = await wechat_users(system, 1)
    stream = StreamRecorder(system, token)
    await stream.ready()
    card_id, live_id = new_id("card"), new_id("live")
    states = [groups_pb2.CARD_STATE_LIVE, groups_pb2.CARD_STATE_ENDED, groups_pb2.CARD_STATE_REPLAY_READY]
    for version, state in enumerate(states, start=1):
        await publish_events(system.nats_url, card_event([user], card_id=card_id, live_id=live_id,
                                                         version=version, state=state))
    await eventually(reaches(system, token, 3), what="three changes of the card")

    # The stream carries each change (resumable, gap-free); the inbox shows one entry.
    await eventually(lambda: _count(stream, 3), what="three stream items")
    assert stream.sequences == [1, 2, 3]
    assert [n.thread_id for n in stream.received] == [card_id] * 3
    assert [n.unread_count for n in stream.received] == [1, 1, 1]
    assert stream.received[-1].kind == pb.NOTIFICATION_KIND_REPLAY_READY
    page = await inbox(system, token)
    assert len(page.notifications) == 1 and page.unread_count == 1
    entry = page.notifications[0]
    assert (entry.thread_id, entry.card.state, entry.read) == (card_id, groups_pb2.CARD_STATE_REPLAY_READY, False)

    # A late "ended" (an older version) changes nothing for anyone.
    await publish_events(system.nats_url, card_event([user], card_id=card_id, live_id=live_id, version=2,
                                                     state=groups_pb2.CARD_STATE_ENDED))
    await publish_events(system.nats_url, card_event([user]))  # a marker that comes after it
    await eventually(reaches(system, token, 4), what="the marker")
    page = await inbox(system, token)
    assert page.sequence == 4 and len(page.notifications) == 2
    assert page.notifications[1].card.state == groups_pb2.CARD_STATE_REPLAY_READY
    await stream.close()


async def test_marking_read_keeps_the_count_right_on_every_device(system: System) -> None:
    [(user, token)] = await wechat_users(system, 1)
    stub = system.stub("notifications")
    other_device = StreamRecorder(system, token)
    await other_device.ready()
    cards = [new_id("card") for _ in range(3)]
    await publish_events(system.nats_url, *(card_event([user], card_id=c) for c in cards))
    await eventually(reaches(system, token, 3), what="three cards")
    assert (await inbox(system, token)).unread_count == 3

    marked = await stub.MarkRead(pb.MarkReadRequest(thread_id=cards[0]), metadata=bearer(token))
    assert (marked.unread_count, marked.sequence) == (2, 4)
    again = await stub.MarkRead(pb.MarkReadRequest(thread_id=cards[0]), metadata=bearer(token))
    assert (again.unread_count, again.sequence) == (2, 4)  # already read: nothing changes
    await eventually(lambda: _marks(other_device, 1), what="the read mark on the other device")
    mark = other_device.items[-1].read_marked
    assert (mark.sequence, mark.thread_id, mark.unread_count) == (4, cards[0], 2)

    # A change to a read thread makes it unread again.
    await publish_events(system.nats_url, card_event([user], card_id=cards[0], version=2,
                                                     state=groups_pb2.CARD_STATE_ENDED))
    await eventually(reaches(system, token, 5), what="the card's update")
    page = await inbox(system, token)
    assert page.unread_count == 3 and [n.read for n in page.notifications] == [False] * 3

    # Mark read only what the client has shown: a thread changed after it stays unread.
    stale = await stub.MarkRead(pb.MarkReadRequest(thread_id=cards[0], up_to_sequence=4), metadata=bearer(token))
    assert stale.unread_count == 3
    await publish_events(system.nats_url, card_event([user]))
    await eventually(reaches(system, token, 6), what="one more card")
    everything = await stub.MarkAllRead(pb.MarkAllReadRequest(up_to_sequence=5), metadata=bearer(token))
    assert (everything.unread_count, everything.marked_count, everything.sequence) == (1, 3, 7)
    page = await inbox(system, token)
    assert page.unread_count == 1 == sum(not n.read for n in page.notifications)
    assert not page.notifications[0].read  # the newest, after sequence 5

    # A device that was away resumes with the read marks it missed, and their counts.
    resumed = StreamRecorder(system, token, after_sequence=3)
    await resumed.ready()
    assert resumed.item_sequences == [4, 5, 6, 7]
    assert [r.WhichOneof("event") for r in resumed.items] == [
        "read_marked", "notification", "notification", "read_marked", "caught_up"]
    assert resumed.items[-1].caught_up.unread_count == 1
    await eventually(lambda: _marks(other_device, 2), what="the second read mark")
    assert other_device.item_sequences == [1, 2, 3, 4, 5, 6, 7]
    for stream in (other_device, resumed):
        await stream.close()


async def test_the_count_stays_right_while_marks_and_deliveries_cross(system: System) -> None:
    [(user, token)] = await wechat_users(system, 1)
    stub = system.stub("notifications")
    stream = StreamRecorder(system, token)
    await stream.ready()
    cards = [new_id("card") for _ in range(6)]
    events = [card_event([user], card_id=card, version=version, state=state)
              for version, state in ((1, groups_pb2.CARD_STATE_LIVE), (2, groups_pb2.CARD_STATE_ENDED),
                                     (3, groups_pb2.CARD_STATE_REPLAY_READY))
              for card in cards]

    async def keep_marking() -> None:
        for round_ in range(12):
            await stub.MarkAllRead(pb.MarkAllReadRequest(), metadata=bearer(token))
            try:
                await stub.MarkRead(pb.MarkReadRequest(thread_id=cards[round_ % 6]), metadata=bearer(token))
            except grpc.aio.AioRpcError as error:
                assert error.code() == grpc.StatusCode.NOT_FOUND  # that card has not arrived yet
            await asyncio.sleep(0.01)

    async def deliver() -> None:
        for event in events:
            await publish_events(system.nats_url, event)

    await asyncio.gather(deliver(), keep_marking())
    await eventually(lambda: _threads_at_version(system, token, 3), what="every card at its last state")
    page = await inbox(system, token)
    assert page.unread_count == sum(not n.read for n in page.notifications)
    await eventually(lambda: _stream_at(stream, page.sequence), what="the stream at the inbox's sequence")
    last = stream.items[-1]
    assert getattr(last, last.WhichOneof("event")).unread_count == page.unread_count
    assert stream.item_sequences == list(range(1, page.sequence + 1))
    await stream.close()


async def test_the_inbox_pages_newest_change_first(system: System) -> None:
    [(user, token)] = await wechat_users(system, 1)
    cards = [new_id("card") for _ in range(5)]
    for card in cards:
        await publish_events(system.nats_url, card_event([user], card_id=card))
    await eventually(reaches(system, token, 5), what="five cards")
    # The oldest changes, and so becomes the newest entry.
    await publish_events(system.nats_url, card_event([user], card_id=cards[0], version=2,
                                                     state=groups_pb2.CARD_STATE_ENDED))
    await eventually(reaches(system, token, 6), what="the update")

    seen, token_ = [], ""
    while True:
        page = await inbox(system, token, page_size=2, page_token=token_)
        seen += [n.thread_id for n in page.notifications]
        if not page.next_page_token:
            break
        token_ = page.next_page_token
    assert seen == [cards[0], cards[4], cards[3], cards[2], cards[1]]


async def test_refusals_of_the_inbox_carry_a_clear_status(system: System) -> None:
    [(user, token)] = await wechat_users(system, 1)
    stub = system.stub("notifications")
    await publish_events(system.nats_url, card_event([user]))
    await eventually(reaches(system, token, 1), what="a card")
    me = bearer(token)
    assert await refused(stub.MarkRead(pb.MarkReadRequest(thread_id="no-such-thread"), metadata=me)) == (
        grpc.StatusCode.NOT_FOUND, "THREAD_NOT_FOUND")
    assert await refused(stub.MarkRead(pb.MarkReadRequest(thread_id=" "), metadata=me)) == (
        grpc.StatusCode.INVALID_ARGUMENT, "FIELD_REQUIRED")
    assert await refused(stub.MarkAllRead(pb.MarkAllReadRequest(up_to_sequence=2), metadata=me)) == (
        grpc.StatusCode.OUT_OF_RANGE, "SEQUENCE_FROM_THE_FUTURE")
    assert await refused(stub.MarkAllRead(pb.MarkAllReadRequest(up_to_sequence=-1), metadata=me)) == (
        grpc.StatusCode.INVALID_ARGUMENT, "INVALID_SEQUENCE")
    assert await refused(stub.ListNotifications(pb.ListNotificationsRequest(page_token="garbage"), metadata=me)) == (
        grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PAGE_TOKEN")
    ghost = await system.mint_token(new_id("member"), enterprise_id=new_id("enterprise"))
    assert await refused(stub.ListNotifications(pb.ListNotificationsRequest(), metadata=bearer(ghost))) == (
        grpc.StatusCode.NOT_FOUND, "USER_NOT_FOUND")
    assert await refused(stub.MarkAllRead(pb.MarkAllReadRequest(), metadata=bearer(system.operator_token))) == (
        grpc.StatusCode.PERMISSION_DENIED, "USERS_ONLY")
    # A new user's empty inbox is no error.
    [(_, newcomer)] = await wechat_users(system, 1)
    empty = await inbox(system, newcomer)
    assert (list(empty.notifications), empty.unread_count, empty.sequence) == ([], 0, 0)
    assert (await stub.MarkAllRead(pb.MarkAllReadRequest(), metadata=bearer(newcomer))).unread_count == 0


async def _count(stream: StreamRecorder, count: int) -> bool:
    await asyncio.sleep(0)
    return len(stream.received) >= count


async def _marks(stream: StreamRecorder, count: int) -> bool:
    await asyncio.sleep(0)
    return sum(r.HasField("read_marked") for r in stream.items) >= count


async def _threads_at_version(system: System, token: str, version: int) -> bool:
    page = await inbox(system, token)
    return len(page.notifications) == 6 and all(n.thread_version == version for n in page.notifications)


async def _stream_at(stream: StreamRecorder, sequence: int) -> bool:
    await asyncio.sleep(0)
    return bool(stream.item_sequences) and stream.item_sequences[-1] >= sequence
