"""Starting, previewing, scheduling and ending a group live (SPEC F-20, F-21, F-22, F-26)."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from convene.groups.v1 import groups_pb2
from convene.live.v1 import live_pb2
from tests.harness import StreamRecorder, System, eventually, refused, request_id
from tests.live_support import Scene, live_system

pytestmark: list[pytest.MarkDecorator] = []


async def test_start_posts_a_live_card_and_notifies_every_member(live_system: System) -> None:
    """F-20: one step from the group; the card appears and every member hears of it."""
    scene = await Scene.create(live_system, members=4)
    streams = [StreamRecorder(live_system, token) for token in scene.org.tokens.values()]
    await asyncio.gather(*(s.ready() for s in streams))
    started = await scene.start(allow_replay=True)
    live_id = started.live.id
    assert started.live.audience == live_pb2.AUDIENCE_EMPLOYEES  # the default (F-23)

    async def all_notified() -> bool:
        return all(s.cards_for(live_id) for s in streams)

    await eventually(all_notified, what="the live card on every member's stream")
    assert await scene.card_state(live_id) == groups_pb2.CARD_STATE_LIVE
    for stream in streams:
        await stream.close()
    await scene.end(live_id)


async def test_a_preview_is_the_hosts_alone_until_confirmed(live_system: System) -> None:
    """F-21: in preview only the host sees the live; confirming goes live and posts the card."""
    scene = await Scene.create(live_system)
    member = scene.org.member_ids[1]
    preview = await scene.live.OpenPreview(live_pb2.OpenPreviewRequest(
        request_id=request_id(), group_id=scene.group_id, title="Dry run"), metadata=scene.as_(scene.host))
    live_id = preview.live.id
    assert preview.live.state == live_pb2.LIVE_STATE_PREVIEW and preview.publish.stream_key
    code, reason = await refused(scene.live.GetLive(live_pb2.GetLiveRequest(live_id=live_id),
                                                    metadata=scene.as_(member)))
    assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "LIVE_NOT_FOUND")
    code, _ = await refused(scene.join(live_id, scene.org.tokens[member]))
    assert code == grpc.StatusCode.NOT_FOUND
    await asyncio.sleep(0.5)
    assert await scene.card(live_id) is None  # nothing posted while in preview

    confirmed = await scene.live.GoLive(live_pb2.GoLiveRequest(live_id=live_id), metadata=scene.as_(scene.host))
    assert confirmed.live.state == live_pb2.LIVE_STATE_LIVE

    async def card_live() -> bool:
        return await scene.card_state(live_id) == groups_pb2.CARD_STATE_LIVE

    await eventually(card_live, what="the card after confirming the preview")
    await scene.join(live_id, scene.org.tokens[member])
    await scene.end(live_id)


async def test_a_scheduled_live_posts_its_card_at_once_and_goes_live_on_time(live_system: System) -> None:
    """F-21: the card is posted at once as scheduled; going live moves it in place."""
    scene = await Scene.create(live_system)
    scheduled = await scene.schedule(3600, description="Numbers and plans", reminder_lead_seconds=600)
    live_id = scheduled.live.id
    assert scheduled.live.state == live_pb2.LIVE_STATE_SCHEDULED
    assert scheduled.live.reminder_lead_seconds == 600

    async def card_is(state: int) -> bool:
        return await scene.card_state(live_id) == state

    await eventually(lambda: card_is(groups_pb2.CARD_STATE_SCHEDULED), what="the scheduled card")
    code, reason = await refused(scene.join(live_id, scene.org.tokens[scene.org.member_ids[1]]))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "LIVE_NOT_STARTED")
    await scene.live.GoLive(live_pb2.GoLiveRequest(live_id=live_id), metadata=scene.as_(scene.host))
    await eventually(lambda: card_is(groups_pb2.CARD_STATE_LIVE), what="the card going live")
    card = await scene.card(live_id)
    assert card is not None
    await scene.end(live_id)


async def test_members_who_asked_are_reminded_before_a_scheduled_live(live_system: System) -> None:
    """F-21 / F-43: a member who asked gets a reminder at start minus the lead, and only they."""
    scene = await Scene.create(live_system)
    asker, other = scene.org.member_ids[1], scene.org.member_ids[2]
    scheduled = await scene.schedule(4, reminder_lead_seconds=2)
    live_id = scheduled.live.id
    asked = StreamRecorder(live_system, scene.org.tokens[asker])
    quiet = StreamRecorder(live_system, scene.org.tokens[other])
    await asyncio.gather(asked.ready(), quiet.ready())
    reply = await scene.live.RemindMe(live_pb2.RemindMeRequest(live_id=live_id), metadata=scene.as_(asker))
    assert reply.remind_time.ToSeconds() < scheduled.live.scheduled_start_time.ToSeconds()

    def reminders(stream: StreamRecorder) -> list:
        return [n for n in stream.received if n.thread_id == live_id and "Starting soon" in n.title]

    async def reminded() -> bool:
        return bool(reminders(asked))

    await eventually(reminded, timeout=15, what="the reminder")
    await asyncio.sleep(0.5)
    assert len(reminders(asked)) == 1
    assert reminders(quiet) == []
    await asked.close()
    await quiet.close()
    await scene.live.CancelScheduledLive(live_pb2.CancelScheduledLiveRequest(live_id=live_id),
                                         metadata=scene.as_(scene.host))


async def test_who_may_start(live_system: System) -> None:
    """F-22: never a WeChat user, never an unverified member, only from inside the group."""
    scene = await Scene.create(live_system)
    wechat_id, wechat_token = await live_system.create_wechat_user()
    code, reason = await refused(scene.live.StartLive(live_pb2.StartLiveRequest(
        request_id=request_id(), group_id=scene.group_id, title="x"), metadata=scene.as_(wechat_id, wechat_token)))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "WECHAT_USER_CANNOT_START_LIVE")

    unverified = await live_system.create_org(members=1, members_verified=False)
    group_id = await live_system.create_group(unverified.tokens[unverified.member_ids[0]], [unverified.admin_id])
    code, reason = await refused(scene.live.StartLive(live_pb2.StartLiveRequest(
        request_id=request_id(), group_id=group_id, title="x"),
        metadata=scene.as_(unverified.member_ids[0], unverified.tokens[unverified.member_ids[0]])))
    assert code == grpc.StatusCode.PERMISSION_DENIED

    outsider = await live_system.create_org(members=1)
    code, reason = await refused(scene.live.StartLive(live_pb2.StartLiveRequest(
        request_id=request_id(), group_id=scene.group_id, title="x"),
        metadata=scene.as_(outsider.member_ids[0], outsider.tokens[outsider.member_ids[0]])))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "HOST_NOT_IN_GROUP")


async def test_one_host_runs_one_live_at_a_time(live_system: System) -> None:
    scene = await Scene.create(live_system)
    first = await scene.start()
    code, reason = await refused(scene.start())
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "HOST_ALREADY_LIVE")
    await scene.end(first.live.id)
    second = await scene.start()  # free again once the first ended
    await scene.end(second.live.id)


async def test_ending_shows_ended_with_duration_and_viewer_figures(live_system: System) -> None:
    """F-26: the card changes to ended with duration and viewer figures."""
    scene = await Scene.create(live_system, members=4)
    live_id = (await scene.start()).live.id
    for viewer in scene.org.member_ids[1:]:
        await scene.join(live_id, scene.org.tokens[viewer])
    await asyncio.sleep(1.1)
    ended = await scene.end(live_id)
    assert ended.live.state == live_pb2.LIVE_STATE_ENDED
    assert ended.live.end_reason == live_pb2.END_REASON_HOST_ENDED
    assert ended.stats.total_viewers == 3 and ended.stats.duration_seconds >= 1

    async def card_ended() -> bool:
        card = await scene.card(live_id)
        return card is not None and card.state == groups_pb2.CARD_STATE_ENDED and card.details.total_viewers == 3

    await eventually(card_ended, what="the ended card with its figures")
    card = await scene.card(live_id)
    assert card is not None
    assert card.details.duration_seconds >= 1 and card.details.peak_viewers == 3
    # Ending twice is ending once.
    again = await scene.end(live_id)
    assert again.live.end_time == ended.live.end_time


async def test_an_admin_force_stops_a_live_of_their_enterprise_but_not_of_another(live_system: System) -> None:
    """F-26: an enterprise admin force-stops any live of the enterprise, with a reason; an admin
    of another enterprise is refused and the live goes on."""
    scene = await Scene.create(live_system)
    live_id = (await scene.start()).live.id
    stranger = await live_system.create_org(members=0)
    code, reason = await refused(scene.live.ForceStopLive(
        live_pb2.ForceStopLiveRequest(live_id=live_id, reason="content risk"),
        metadata=scene.as_(stranger.admin_id, stranger.tokens[stranger.admin_id])))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ADMIN_ONLY")
    code, _ = await refused(scene.live.ForceStopLive(
        live_pb2.ForceStopLiveRequest(live_id=live_id, reason="content risk"),
        metadata=scene.as_(scene.org.member_ids[1])))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    still = await scene.live.GetLive(live_pb2.GetLiveRequest(live_id=live_id), metadata=scene.as_(scene.host))
    assert still.live.state == live_pb2.LIVE_STATE_LIVE

    stopped = await scene.live.ForceStopLive(
        live_pb2.ForceStopLiveRequest(live_id=live_id, reason="content risk"), metadata=scene.as_(scene.org.admin_id))
    assert stopped.live.state == live_pb2.LIVE_STATE_ENDED
    assert stopped.live.end_reason == live_pb2.END_REASON_FORCE_STOPPED
    assert stopped.live.end_note == "content risk"


async def test_stream_keys_are_secret_bound_and_rotatable(live_system: System) -> None:
    """F-25: the host's key is unguessable and per live; rotating replaces it; others can't."""
    scene = await Scene.create(live_system)
    started = await scene.start()
    other = await Scene.create(live_system)
    other_live = await other.start()
    assert started.publish.stream_key != other_live.publish.stream_key
    assert len(started.publish.stream_key) >= 32
    rotated = await scene.live.RotateStreamKey(live_pb2.RotateStreamKeyRequest(live_id=started.live.id),
                                               metadata=scene.as_(scene.host))
    assert rotated.publish.stream_key != started.publish.stream_key
    code, reason = await refused(scene.live.RotateStreamKey(
        live_pb2.RotateStreamKeyRequest(live_id=started.live.id), metadata=scene.as_(scene.org.member_ids[1])))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "HOST_ONLY")
    await scene.end(started.live.id)
    await other.end(other_live.live.id)
