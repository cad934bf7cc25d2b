"""Delivery (SPEC F-42, F-43, F-04, F-14): the same event twice makes one notification,
producers' notices through the generic `<service>.v1.notice.requested` path, timed notices
delivered at their time even across a restart (moved, withdrawn, late revisions ignored),
contact handovers, group calls that ring and then tell who missed them.
Identity and notifications over real NATS and PostgreSQL, one system for the module."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import asyncpg
import pytest

from convene.groups.v1 import events_pb2 as group_events
from convene.groups.v1 import groups_pb2
from convene.identity.v1 import events_pb2 as identity_events
from convene.notifications.v1 import notice_pb2
from convene.notifications.v1 import notifications_pb2 as pb
from services.runtime import subjects
from services.runtime.events import new_envelope
from services.runtime.ids import new_id
from tests.harness import StreamRecorder, System, bearer, eventually, module_system, publish_events
from tests.notifications_kit import card_event, notice, notices_event, wechat_users


@pytest.fixture(scope="module")
async def system(postgres, tmp_path_factory) -> AsyncIterator[System]:
    async with module_system(postgres, tmp_path_factory.mktemp("notifications-delivery"), "identity",
                             "notifications", idle_check_s=2.0) as running:
        yield running


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def inbox(system: System, token: str) -> list[pb.Notification]:
    page = await system.stub("notifications").ListNotifications(pb.ListNotificationsRequest(),
                                                                metadata=bearer(token))
    return list(page.notifications)


def holds(system: System, token: str, count: int):
    async def check() -> bool:
        return len(await inbox(system, token)) >= count

    return check


async def test_the_same_event_delivered_twice_makes_one_notification(system: System) -> None:
    [(user, token)] = await wechat_users(system, 1)
    stream = StreamRecorder(system, token)
    await stream.ready()
    event = card_event([user])
    # As a relay re-publishing after the stream's duplicate window: two messages, one event.
    await publish_events(system.nats_url, event, event, as_new_messages=True)
    await publish_events(system.nats_url, card_event([user]))  # comes after both copies
    await eventually(holds(system, token, 2), what="two cards")
    await asyncio.sleep(0.3)
    assert stream.sequences == [1, 2]  # no second notification, and no sequence lost to it
    assert next(n.event_id for n in stream.received) == event.id
    await stream.close()


async def test_any_producer_asks_for_notices_without_code_here(system: System) -> None:
    [(a, a_token), (b, b_token), (organizer, organizer_token)] = await wechat_users(system, 3)
    meeting = new_id("meeting")
    invitation = notice([a, b, "not-a-user"], title="Design review", body="Tuesday 10:00", thread_id=meeting)
    reply = notice([organizer], kind=pb.NOTIFICATION_KIND_MEETING_REPLY, title="A accepted", thread_id=meeting)
    await publish_events(system.nats_url, notices_event("meetings", invitation, reply))
    for token in (a_token, b_token, organizer_token):
        await eventually(holds(system, token, 1), what="the notice")
    [got] = await inbox(system, a_token)
    assert (got.kind, got.title, got.body, got.thread_id) == (
        pb.NOTIFICATION_KIND_MEETING_INVITATION, "Design review", "Tuesday 10:00", meeting)
    [told] = await inbox(system, organizer_token)
    assert told.kind == pb.NOTIFICATION_KIND_MEETING_REPLY

    # A change in the same thread replaces the entry.
    change = notice([a, b], kind=pb.NOTIFICATION_KIND_MEETING_UPDATED, title="Design review moved",
                    thread_id=meeting)
    await publish_events(system.nats_url, notices_event("meetings", change))

    async def moved() -> bool:
        return [n.title for n in await inbox(system, b_token)] == ["Design review moved"]

    await eventually(moved, what="the change replacing the invitation")

    # A notice that can never be delivered (no kind) is dropped, and blocks nothing behind it.
    await publish_events(system.nats_url, notices_event("meetings", notice_pb2.Notice(recipient_ids=[a], title="?")),
                         notices_event("live", notice([a], kind=pb.NOTIFICATION_KIND_REMINDER, title="Live soon")))
    await eventually(holds(system, a_token, 2), what="the notice after the poison one")
    assert [n.title for n in await inbox(system, a_token)] == ["Live soon", "Design review moved"]


async def test_timed_notices_arrive_at_their_time_moved_withdrawn_or_late_revisions_ignored(system: System) -> None:
    [(user, token)] = await wechat_users(system, 1)
    start = _now()
    due = start + dt.timedelta(seconds=1.5)
    await publish_events(system.nats_url, notices_event(
        "meetings",
        notice([user], kind=pb.NOTIFICATION_KIND_REMINDER, title="plain", deliver_at=due),
        notice([user], kind=pb.NOTIFICATION_KIND_REMINDER, title="moved: early", key="moved", revision=1,
               deliver_at=start + dt.timedelta(seconds=0.5)),
        notice([user], kind=pb.NOTIFICATION_KIND_REMINDER, title="withdrawn", key="withdrawn", revision=1,
               deliver_at=start + dt.timedelta(seconds=1)),
        notice([user], kind=pb.NOTIFICATION_KIND_REMINDER, title="latest revision", key="late", revision=2,
               deliver_at=due),
    ))
    await publish_events(system.nats_url, notices_event(
        "meetings",
        notice([user], kind=pb.NOTIFICATION_KIND_REMINDER, title="moved: later", key="moved", revision=2,
               deliver_at=due),
        notice([user], kind=pb.NOTIFICATION_KIND_REMINDER, title="old revision", key="late", revision=1,
               deliver_at=start + dt.timedelta(seconds=0.5)),
        withdrawals=[notice_pb2.NoticeWithdrawal(key="withdrawn", revision=2)],
    ))
    await eventually(holds(system, token, 3), what="three reminders")
    await asyncio.sleep(1.0)  # the withdrawn one's time has passed too
    got = await inbox(system, token)
    assert sorted(n.title for n in got) == ["latest revision", "moved: later", "plain"]
    for n in got:
        assert n.create_time.ToDatetime(tzinfo=dt.UTC) >= due


async def test_a_timed_notice_is_delivered_across_a_restart(system: System) -> None:
    [(user, token)] = await wechat_users(system, 1)
    due = _now() + dt.timedelta(seconds=2)
    await publish_events(system.nats_url, notices_event(
        "live", notice([user], kind=pb.NOTIFICATION_KIND_REMINDER, title="Live in 5 minutes", deliver_at=due)))

    async def scheduled() -> bool:
        conn = await asyncpg.connect(system.database_url)
        try:
            return await conn.fetchval("SELECT count(*) FROM notifications.timers") >= 1
        finally:
            await conn.close()

    await eventually(scheduled, what="the reminder scheduled")
    await system.stop_replica(system.hosts["notifications"][0])
    await asyncio.sleep(max(0.0, (due - _now()).total_seconds()) + 0.5)  # its time passes while down
    await system.add_replica("notifications")
    stream = StreamRecorder(system, token)
    await stream.ready()
    await eventually(holds(system, token, 1), what="the reminder after the restart")
    await asyncio.sleep(0.3)
    [reminder] = await inbox(system, token)
    assert reminder.title == "Live in 5 minutes"
    assert [n.title for n in stream.received] == ["Live in 5 minutes"]
    await stream.close()


async def test_wechat_users_are_told_who_their_new_contact_is(system: System) -> None:
    [(a, a_token), (b, b_token)] = await wechat_users(system, 2)
    handover = identity_events.ContactsHandedOver(
        handover_id="hov-1", enterprise_id=new_id("enterprise"), enterprise_name="Acme",
        from_member_id=new_id("member"), from_display_name="Li Lei",
        to_member_id=new_id("member"), to_display_name="Han Meimei", wechat_user_ids=[a, b])
    await publish_events(system.nats_url, new_envelope(subjects.IDENTITY_CONTACTS_HANDED_OVER,
                                                       subject="hov-1", payload=handover))
    for token in (a_token, b_token):
        await eventually(holds(system, token, 1), what="the handover notice")
        [told] = await inbox(system, token)
        assert told.kind == pb.NOTIFICATION_KIND_CONTACT_HANDOVER
        assert "Han Meimei" in told.title and "Acme" in told.title and "Li Lei" in told.body


async def test_a_group_call_rings_the_chosen_stops_for_who_answers_and_tells_who_missed_it(system: System) -> None:
    [(a, a_token), (b, b_token)] = await wechat_users(system, 2)
    starter, call_id, group_id = new_id("member"), new_id("call"), new_id("group")
    call = groups_pb2.GroupCall(id=call_id, group_id=group_id, type=groups_pb2.CALL_TYPE_VIDEO, starter_id=starter,
                                state=groups_pb2.CALL_STATE_ACTIVE)
    await publish_events(system.nats_url, new_envelope(subjects.GROUPS_CALL_STARTED, subject=call_id, payload=(
        group_events.CallStarted(call=call, group_name="launch team", ring_ids=[a, b]))))
    for token in (a_token, b_token):
        await eventually(holds(system, token, 1), what="the ring")
        [ring] = await inbox(system, token)
        assert (ring.kind, ring.thread_id, ring.group_id) == (pb.NOTIFICATION_KIND_INCOMING_CALL, call_id, group_id)

    # b answered on one device: the thread's change stops the ringing on every device of b's.
    await publish_events(system.nats_url, new_envelope(
        subjects.GROUPS_CALL_RINGING_STOPPED, subject=call_id, payload=group_events.CallRingingStopped(
            call_id=call_id, group_id=group_id, group_name="launch team", participant_id=b, answered=True)))

    async def answered() -> bool:
        return [n.kind for n in await inbox(system, b_token)] == [pb.NOTIFICATION_KIND_RINGING_STOPPED]

    await eventually(answered, what="the ring replaced by 'answered'")
    # a never answered: when the call ends, a's entry becomes a missed call.
    call.state = groups_pb2.CALL_STATE_ENDED
    call.participants.add(participant_id=a, state=groups_pb2.PARTICIPANT_STATE_INVITED)
    call.participants.add(participant_id=b, state=groups_pb2.PARTICIPANT_STATE_LEFT)
    await publish_events(system.nats_url, new_envelope(subjects.GROUPS_CALL_ENDED, subject=call_id,
                                                       payload=group_events.CallEnded(call=call)))

    async def missed() -> bool:
        return [n.kind for n in await inbox(system, a_token)] == [pb.NOTIFICATION_KIND_MISSED_CALL]

    await eventually(missed, what="the missed call replacing the ring")
    await asyncio.sleep(0.3)
    assert [n.kind for n in await inbox(system, b_token)] == [pb.NOTIFICATION_KIND_RINGING_STOPPED]
