"""Replays (SPEC F-27) and the independence of the fan-out consumers (SPEC F-28). A replay made
of real media (ready, played, audience, deleted) is in tests/test_media_replay.py."""

from __future__ import annotations

import asyncio

import asyncpg
import grpc

from convene.groups.v1 import groups_pb2
from convene.live.v1 import live_pb2
from tests.harness import StreamRecorder, System, eventually, module_system, refused
from tests.live_support import FAST, Scene, live_system


async def _replay(scene: Scene, live_id: str, principal: str, token: str | None = None) -> live_pb2.GetReplayResponse:
    return await scene.live.GetReplay(live_pb2.GetReplayRequest(live_id=live_id),
                                      metadata=scene.as_(principal, token))


async def test_no_replay_unless_the_host_allowed_it(live_system: System) -> None:
    scene = await Scene.create(live_system)
    live_id = (await scene.start(allow_replay=False)).live.id
    await scene.end(live_id)
    code, reason = await refused(_replay(scene, live_id, scene.host))
    assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "REPLAY_NOT_ALLOWED")


async def test_the_replay_job_runs_after_the_delay_even_when_live_restarted_during_the_wait(
        postgres, tmp_path_factory) -> None:
    """The replay delay is a durable timer (PostgreSQL rows), not a sleep that dies with the process:
    the job runs after the restart (this live had no media, so it fails with that reason)."""
    async with module_system(postgres, tmp_path_factory.mktemp("replay-restart"),
                             **{**FAST, "replay_delay_s": 3.0}) as system:
        scene = await Scene.create(system)
        live_id = (await scene.start(allow_replay=True)).live.id
        await scene.end(live_id)
        await system.stop_replica(system.hosts["live"][0])  # the only replica dies during the wait
        await asyncio.sleep(1.5)
        await system.add_replica("live")

        async def job_ran() -> bool:
            replay = (await _replay(scene, live_id, scene.host)).replay
            return (replay.state, replay.failure_reason) == (live_pb2.REPLAY_STATE_FAILED, "NO_RECORDING")

        await eventually(job_ran, timeout=20, what="the replay job after a restart")


async def test_a_stopped_groups_consumer_delays_only_the_card_and_then_posts_exactly_one(
        postgres, tmp_path_factory) -> None:
    """F-28: card, permission work (media grant) and replay preparation are separate durable
    consumers of live.v1.session.started; with groups' card consumer stopped the other two still
    happen, and when it is back it posts exactly one card."""
    from services.runtime.consumer import DurableConsumer

    async with module_system(postgres, tmp_path_factory.mktemp("independence"), **FAST) as system:
        scene = await Scene.create(system)
        member = scene.org.member_ids[1]
        stream = StreamRecorder(system, scene.org.tokens[member])
        await stream.ready()
        groups = system.hosts["groups"][0]
        cards = next(c for c in groups.consumers if c.spec.durable == "groups--live-cards")
        await cards.stop()

        live_id = (await scene.start(allow_replay=True)).live.id
        conn = await asyncpg.connect(system.database_url)
        try:
            async def other_effects_done() -> bool:
                grants = await conn.fetchval("SELECT count(*) FROM live.media_grants WHERE live_id = $1", live_id)
                replays = await conn.fetchval("SELECT count(*) FROM live.replays WHERE live_id = $1", live_id)
                return grants == 1 and replays == 1

            await eventually(other_effects_done, what="media grant and replay preparation without the card")
            await asyncio.sleep(0.5)
            assert await conn.fetchval("SELECT count(*) FROM groups.cards WHERE subject_id = $1", live_id) == 0
            assert stream.cards_for(live_id) == []

            # The consumer comes back (a restarted replica): it resumes the same durable.
            assert groups.runtime is not None
            revived = DurableConsumer(cards.spec, groups.runtime.nc, groups.runtime.pool, 1)
            await revived.start()
            groups.consumers[groups.consumers.index(cards)] = revived

            async def one_card() -> bool:
                return len(stream.cards_for(live_id)) == 1

            await eventually(one_card, what="the card once the consumer is back")
            await asyncio.sleep(1.0)
            assert len(stream.cards_for(live_id)) == 1
            assert await conn.fetchval("SELECT count(*) FROM groups.cards WHERE subject_id = $1", live_id) == 1
        finally:
            await conn.close()
            await stream.close()
