"""Watching: joins, heartbeats, who is counted as gone, and WeCom's watch statistics (SPEC F-25)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from convene.live.v1 import live_pb2
from tests.harness import System, error_reason, eventually, module_system, refused
from tests.live_support import FAST, Scene

# A viewer timeout the calls between a join and the next heartbeat cannot outlast on a busy machine.
WATCHING = {**FAST, "viewer_timeout_s": 3.0}


@pytest.fixture(scope="module")
async def live_system(postgres, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with module_system(postgres, Path(tmp_path_factory.mktemp("watching")), **WATCHING) as system:
        yield system


async def test_viewers_whose_heartbeats_stop_are_gone_and_figures_add_up(live_system: System) -> None:
    wechat_id, wechat_token = await live_system.create_wechat_user()
    scene = await Scene.create(live_system, members=4, wechat_ids=[wechat_id])
    live_id = (await scene.start(audience=live_pb2.AUDIENCE_EVERYONE)).live.id
    staying, quiet, leaving = scene.org.member_ids[1:4]
    await scene.join(live_id, scene.org.tokens[staying])

    async def heartbeat_steadily() -> None:
        # From the join on, well inside the viewer timeout however slow the other calls are.
        while True:
            await scene.live.ViewerHeartbeat(live_pb2.ViewerHeartbeatRequest(live_id=live_id),
                                             metadata=scene.as_(staying))
            await asyncio.sleep(WATCHING["viewer_timeout_s"] / 4)

    heartbeats = asyncio.create_task(heartbeat_steadily())
    for viewer in (quiet, leaving):
        await scene.join(live_id, scene.org.tokens[viewer])
    await scene.join(live_id, wechat_token)
    stats = await scene.stats(live_id)
    assert (stats.current_viewers, stats.total_viewers) == (4, 4)
    assert (stats.employee_viewers, stats.wechat_viewers) == (3, 1)
    # Peak concurrent viewers is sampled every sweep interval (like WeCom's per-interval figures).
    await asyncio.sleep(WATCHING["sweep_interval_s"] * 3)

    await scene.live.LeaveLive(live_pb2.LeaveLiveRequest(live_id=live_id), metadata=scene.as_(leaving))

    async def only_the_heartbeating_one_left() -> bool:
        return (await scene.stats(live_id)).current_viewers == 1

    # `quiet` and the WeChat user send no heartbeats: gone after the viewer timeout.
    await eventually(only_the_heartbeating_one_left, timeout=10, every=0.3, what="silent viewers counted as gone")
    stats = await scene.stats(live_id)
    assert stats.peak_viewers == 4 and stats.total_viewers == 4

    viewers = await scene.live.ListViewers(live_pb2.ListViewersRequest(live_id=live_id, page_size=2),
                                           metadata=scene.as_(scene.host))
    assert len(viewers.viewers) == 2 and viewers.next_page_token
    rest = await scene.live.ListViewers(live_pb2.ListViewersRequest(
        live_id=live_id, page_size=2, page_token=viewers.next_page_token), metadata=scene.as_(scene.host))
    records = {v.viewer_id: v for v in [*viewers.viewers, *rest.viewers]}
    assert set(records) == {staying, quiet, leaving, wechat_id}
    assert records[staying].watching and not records[quiet].watching
    assert not records[wechat_id].employee and records[staying].employee
    # A silent viewer watched about until their last heartbeat plus the timeout, not until now.
    assert records[quiet].watch_seconds <= WATCHING["viewer_timeout_s"] + 1.5
    assert records[staying].watch_seconds >= records[quiet].watch_seconds

    code, reason = await refused(scene.live.GetLiveStats(live_pb2.GetLiveStatsRequest(live_id=live_id),
                                                         metadata=scene.as_(staying)))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ADMIN_ONLY")
    admin_view = await scene.live.GetLiveStats(live_pb2.GetLiveStatsRequest(live_id=live_id),
                                               metadata=scene.as_(scene.org.admin_id))
    assert admin_view.stats.total_viewers == 4
    heartbeats.cancel()
    await scene.end(live_id)


async def test_joins_that_arrive_together_each_get_their_own_answer(live_system: System) -> None:
    """F-23, F-25: concurrent joins share one statement (group commit), yet each viewer gets
    the answer for themselves: employees in, with a play token of their own; WeChat users of
    an employees-only live refused; a viewer joining twice counted once."""
    wechat = [await live_system.create_wechat_user() for _ in range(6)]
    scene = await Scene.create(live_system, members=12, wechat_ids=[w for w, _ in wechat])
    live_id = (await scene.start()).live.id  # employees only
    employees = scene.org.member_ids[1:]
    calls = [scene.join(live_id, scene.org.tokens[e]) for e in employees]
    calls += [scene.join(live_id, token) for _, token in wechat]
    calls += [scene.join(live_id, scene.org.tokens[employees[0]])]  # the same viewer again
    results = await asyncio.gather(*calls, return_exceptions=True)

    admitted = [r for r in results[:len(employees)] if isinstance(r, live_pb2.JoinLiveResponse)]
    refusals = results[len(employees):-1]
    assert len(admitted) == len(employees), results[:len(employees)]
    assert len({r.play.play_token for r in admitted}) == len(employees), "a play token per viewer"
    assert all(r.live.id == live_id for r in admitted)
    for refusal in refusals:
        assert isinstance(refusal, grpc.aio.AioRpcError), refusal
        assert (refusal.code(), error_reason(refusal)) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_IN_AUDIENCE")
    assert isinstance(results[-1], live_pb2.JoinLiveResponse)
    stats = await scene.stats(live_id)
    assert (stats.current_viewers, stats.total_viewers) == (len(employees), len(employees))
    assert (stats.employee_viewers, stats.wechat_viewers) == (len(employees), 0)
    await scene.end(live_id)


async def test_a_live_whose_host_stream_is_gone_ends_by_itself(postgres, tmp_path_factory) -> None:
    """F-26: no stream and no host heartbeat for the configured time ends the live; heartbeats
    keep it on (the stream itself: tests/test_media_replay.py)."""
    from tests.harness import module_system
    from tests.live_support import FAST

    async with module_system(postgres, tmp_path_factory.mktemp("host-gone"),
                             **{**FAST, "host_timeout_s": 1.5}) as system:
        scene = await Scene.create(system)
        other = await Scene.create(system)  # before the start: the heartbeats must begin within 1.5 s
        kept = await scene.start()
        abandoned = await other.start()
        for _ in range(6):
            await scene.live.HostHeartbeat(live_pb2.HostHeartbeatRequest(live_id=kept.live.id),
                                           metadata=scene.as_(scene.host))
            await asyncio.sleep(0.5)

        async def state(s: Scene, live_id: str) -> live_pb2.Live:
            return (await s.live.GetLive(live_pb2.GetLiveRequest(live_id=live_id), metadata=s.as_(s.host))).live

        assert (await state(scene, kept.live.id)).state == live_pb2.LIVE_STATE_LIVE
        ended = await state(other, abandoned.live.id)
        assert ended.state == live_pb2.LIVE_STATE_ENDED
        assert ended.end_reason == live_pb2.END_REASON_HOST_GONE
        await scene.end(kept.live.id)
