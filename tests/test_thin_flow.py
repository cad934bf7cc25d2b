"""The reference flow (SPEC F-20, F-22, F-12, F-41, F-27, F-28) over real NATS and PostgreSQL."""

from __future__ import annotations

import asyncio

import asyncpg
import grpc
import pytest

from convene.groups.v1 import groups_pb2
from convene.live.v1 import live_pb2
from tests.harness import StreamRecorder, System, bearer, eventually, request_id


async def start_live(system: System, token: str, group_id: str, **fields: object) -> live_pb2.StartLiveResponse:
    return await system.stub("live").StartLive(
        live_pb2.StartLiveRequest(request_id=request_id(), group_id=group_id, title="Quarterly all-hands",
                                  allow_replay=True, **fields),
        metadata=bearer(token))


async def test_live_start_reaches_every_member_once(system: System, database_url: str) -> None:
    org = await system.create_org(members=9)
    host = org.member_ids[0]
    group_id = await system.create_group(org.tokens[host], [org.admin_id, *org.member_ids[1:]])
    streams = {uid: StreamRecorder(system, tok) for uid, tok in org.tokens.items()}
    await asyncio.gather(*(s.ready() for s in streams.values()))

    started = await start_live(system, org.tokens[host], group_id)
    live_id = started.live.id
    assert started.live.state == live_pb2.LIVE_STATE_LIVE
    assert started.publish.stream_key and live_id in started.publish.push_url

    async def everyone_has_the_card() -> bool:
        return all(s.cards_for(live_id) for s in streams.values())

    await eventually(everyone_has_the_card, what="live card on every member's stream")
    await asyncio.sleep(0.5)  # a doubled card would arrive in this window
    for stream in streams.values():
        cards = stream.cards_for(live_id)
        assert len(cards) == 1
        assert cards[0].card.state == groups_pb2.CARD_STATE_LIVE
        assert cards[0].group_id == group_id
        await stream.close()

    timeline = await system.stub("groups").ListTimeline(
        groups_pb2.ListTimelineRequest(group_id=group_id), metadata=bearer(org.tokens[org.admin_id]))
    assert [item.card.subject_id for item in timeline.items] == [live_id]

    # live--replay-prep recorded the replay that will be due (F-27), as its own consumer (F-28).
    async def replay_recorded() -> bool:
        conn = await asyncpg.connect(database_url)
        try:
            return await conn.fetchval("SELECT count(*) FROM live.replays WHERE live_id = $1", live_id) == 1
        finally:
            await conn.close()

    await eventually(replay_recorded, what="replay preparation")


async def test_wechat_user_cannot_start_a_live_and_nothing_is_posted(system: System) -> None:
    org = await system.create_org(members=2)
    wechat_id, wechat_token = await system.create_wechat_user()
    group_id = await system.create_group(org.tokens[org.admin_id], [*org.member_ids, wechat_id],
                                         kind=groups_pb2.GROUP_KIND_EXTERNAL)
    watcher = StreamRecorder(system, org.tokens[org.member_ids[0]])
    await watcher.ready()

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await start_live(system, wechat_token, group_id)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "WeChat users cannot start lives" in (refused.value.details() or "")

    await asyncio.sleep(1.0)  # time enough for a card to travel, had one been posted
    timeline = await system.stub("groups").ListTimeline(
        groups_pb2.ListTimelineRequest(group_id=group_id), metadata=bearer(org.tokens[org.admin_id]))
    assert list(timeline.items) == []
    assert watcher.received == []
    await watcher.close()


async def test_unverified_member_cannot_start(system: System) -> None:
    org = await system.create_org(members=1, members_verified=False)
    host = org.member_ids[0]
    group_id = await system.create_group(org.tokens[host], [org.admin_id])
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await start_live(system, org.tokens[host], group_id)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_host_must_be_in_the_group(system: System) -> None:
    org = await system.create_org(members=2)
    outsider = org.member_ids[1]
    group_id = await system.create_group(org.tokens[org.member_ids[0]], [org.admin_id])
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await start_live(system, org.tokens[outsider], group_id)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_repeated_request_id_starts_one_live(system: System) -> None:
    org = await system.create_org(members=1)
    host = org.member_ids[0]
    group_id = await system.create_group(org.tokens[host], [org.admin_id])
    request = live_pb2.StartLiveRequest(request_id="same-request", group_id=group_id, title="once")
    first = await system.stub("live").StartLive(request, metadata=bearer(org.tokens[host]))
    again = await system.stub("live").StartLive(request, metadata=bearer(org.tokens[host]))
    assert again.live.id == first.live.id
