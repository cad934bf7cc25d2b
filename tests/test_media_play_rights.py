"""A viewer who loses the right to watch stops playing at once, not when the play token runs out
(SPEC F-23, F-51, F-52; media.play_rights): removed by a moderator, removed from the enterprise,
tokens revoked, the live ended, the audience narrowed. A real ffmpeg pushes over RTMP to the
real edge; the viewers fetch its HLS. The play token lives 60 s here, so a 403 within seconds is
the loss of the right, not the token's expiry. Everyone else keeps playing."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from nats.js.kv import KeyValue

from convene.groups.v1 import groups_pb2
from convene.identity.v1 import identity_pb2
from convene.live.v1 import live_pb2, moderation_pb2
from services.media.play_rights import REFUSAL_BOUND_S, PlayRights
from services.runtime.keys import KeySet
from services.runtime.play_tokens import PlayGrant, PlayRefused, PlayTokens
from services.runtime.revocations import Revocations
from tests.harness import System, bearer, eventually
from tests.live_support import Scene
from tests.media_support import Edge, Push, get, media_system
from tests.room_support import moderation_stub

TOKEN_TTL_S = 60
# What a viewer would call "at once" on a loaded machine, still far inside the token's lifetime.
NOTICED_S = 15.0


@dataclass
class OnAir:
    system: System
    scene: Scene
    live_id: str
    pusher: Push

    async def play(self, viewer_id: str, token: str | None = None) -> live_pb2.PlayEndpoint:
        joined = await self.scene.join(self.live_id, token or self.scene.org.tokens[viewer_id])
        await segment_status(joined.play, wait_for_segment=True)
        return joined.play


async def segment_status(play: live_pb2.PlayEndpoint, *, wait_for_segment: bool = False) -> tuple[int, str]:
    """(status, body) of the newest segment the viewer's playlist lists, as a player fetches
    it next; the playlist's own answer when it is refused."""
    url = f"{play.url}?token={play.play_token}"
    answer: tuple[int, str] = (0, "")

    async def fetched() -> bool:
        nonlocal answer
        status, body = await get(url)
        segments = [line for line in body.decode(errors="replace").splitlines() if line and not line.startswith("#")]
        if status != 200 or not segments:
            answer = (status, body.decode(errors="replace").strip())
            return not wait_for_segment
        status, body = await get(f"{play.url.rsplit('/', 1)[0]}/{segments[-1]}")
        answer = (status, body.decode(errors="replace").strip() if status != 200 else "")
        return True

    await eventually(fetched, timeout=30, what="a segment listed")
    return answer


async def refused_after(play: live_pb2.PlayEndpoint, take_away: Callable[[], Awaitable[object]]) -> tuple[str, float]:
    """Take the right away, then fetch as a player does until refused: (reason, seconds)."""
    assert await segment_status(play) == (200, "")
    await take_away()
    taken = time.monotonic()
    answer: tuple[int, str] = (0, "")

    async def refused() -> bool:
        nonlocal answer
        answer = await segment_status(play)
        return answer[0] == 403

    await eventually(refused, timeout=NOTICED_S, every=0.1, what="the playback refused")
    elapsed = time.monotonic() - taken
    assert play.expire_time.seconds - time.time() > TOKEN_TTL_S / 2, "refused well before the token's expiry"
    return answer[1], elapsed


@pytest.fixture(scope="module")
async def media(postgres, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[System, Edge]]:
    async with media_system(postgres, tmp_path_factory.mktemp("play-rights"), play_token_ttl_s=TOKEN_TTL_S) as running:
        yield running


@pytest.fixture(scope="module")
async def on_air(media) -> AsyncIterator[OnAir]:
    """One live on air for the module's tests (each takes away a different viewer's right)."""
    system, _ = media
    scene = await Scene.create(system, members=6)
    started = await scene.start()
    pusher = await Push(started.publish.push_url, 240).start()
    yield OnAir(system, scene, started.live.id, pusher)
    await pusher.stop()
    await scene.end(started.live.id)


async def test_a_viewer_removed_by_a_moderator_is_refused_the_next_segment(on_air: OnAir) -> None:
    scene = on_air.scene
    troll, bystander = scene.org.member_ids[1], scene.org.member_ids[2]
    play, other = await on_air.play(troll), await on_air.play(bystander)

    async def remove() -> None:
        await moderation_stub(on_air.system).RemoveViewer(moderation_pb2.RemoveViewerRequest(
            live_id=on_air.live_id, viewer_id=troll, reason="spam"), metadata=scene.as_(scene.host))

    reason, elapsed = await refused_after(play, remove)
    assert reason == "REMOVED_FROM_LIVE"
    print(f"removed viewer refused {elapsed:.2f} s after RemoveViewer returned (bound {REFUSAL_BOUND_S} s)")
    assert await segment_status(other) == (200, ""), "the other viewer plays on"

    # An edge replica started after the removal knows it before it serves (the bucket is loaded).
    runtime = on_air.system.hosts["media"][0].runtime
    assert runtime is not None
    late = PlayRights(PlayTokens(runtime.keyset), runtime.revocations)
    await late.start(runtime.nc, 1)
    try:
        with pytest.raises(PlayRefused) as refused:
            late.check(play.play_token, live_id=on_air.live_id, replay=False)
        assert refused.value.reason == "REMOVED_FROM_LIVE" and refused.value.viewer_id == troll
        assert late.check(other.play_token, live_id=on_air.live_id, replay=False).viewer_id == bystander
    finally:
        await late.stop()


async def test_a_member_removed_from_the_enterprise_and_a_revoked_user_are_refused(on_air: OnAir) -> None:
    """A member removed from the enterprise, and a user whose tokens identity revoked: their
    play tokens, minted on tokens now revoked, stop opening the live (runtime.revocations)."""
    scene, system = on_air.scene, on_air.system
    leaver, revoked, bystander = scene.org.member_ids[3], scene.org.member_ids[4], scene.org.member_ids[2]
    leaver_play, revoked_play = await on_air.play(leaver), await on_air.play(revoked)

    async def remove_member() -> None:
        await system.stub("identity").RemoveMember(identity_pb2.RemoveMemberRequest(member_id=leaver),
                                                   metadata=bearer(scene.org.tokens[scene.org.admin_id]))

    async def revoke() -> None:
        await system.stub("identity").RevokeTokens(identity_pb2.RevokeTokensRequest(principal_id=revoked),
                                                   metadata=bearer(system.operator_token))

    for play, take_away, what in ((leaver_play, remove_member, "member removed"), (revoked_play, revoke, "revoked")):
        reason, elapsed = await refused_after(play, take_away)
        assert reason == "TOKEN_REVOKED", what
        print(f"{what}: refused {elapsed:.2f} s after the call returned")
    other = (await scene.join(on_air.live_id, scene.org.tokens[bystander])).play
    assert await segment_status(other) == (200, ""), "the other viewer plays on"


async def test_removal_from_the_group_leaves_an_employee_watching(on_air: OnAir) -> None:
    """The audience is the host's enterprise (SPEC F-23), not the group the card was posted in:
    a member taken out of the group is still an employee and may watch on."""
    scene, system = on_air.scene, on_air.system
    moved = scene.org.member_ids[5]
    play = await on_air.play(moved)
    await system.stub("groups").RemoveGroupMember(groups_pb2.RemoveGroupMemberRequest(
        group_id=scene.group_id, member_id=moved), metadata=scene.as_(scene.host))
    renewed = await scene.live.ViewerHeartbeat(live_pb2.ViewerHeartbeatRequest(live_id=on_air.live_id),
                                               metadata=scene.as_(moved))
    assert await segment_status(play) == (200, "")
    assert await segment_status(renewed.play) == (200, "")


async def test_the_end_of_the_live_and_a_narrowed_audience_refuse_at_once(media) -> None:
    system, _ = media
    wechat_id, wechat_token = await system.create_wechat_user()
    scene = await Scene.create(system, wechat_ids=[wechat_id])
    started = await scene.start(audience=live_pb2.AUDIENCE_EVERYONE)
    live = OnAir(system, scene, started.live.id, await Push(started.publish.push_url, 120).start())
    try:
        employee = scene.org.member_ids[1]
        outsider_play, employee_play = await live.play(wechat_id, wechat_token), await live.play(employee)

        async def narrow() -> None:
            await scene.live.UpdateAudience(live_pb2.UpdateAudienceRequest(
                live_id=live.live_id, audience=live_pb2.AUDIENCE_EMPLOYEES), metadata=scene.as_(scene.host))

        reason, elapsed = await refused_after(outsider_play, narrow)
        assert reason == "NOT_IN_AUDIENCE"
        print(f"outsider refused {elapsed:.2f} s after the audience narrowed")
        assert await segment_status(employee_play) == (200, ""), "employees play on"

        await scene.live.UpdateAudience(live_pb2.UpdateAudienceRequest(
            live_id=live.live_id, audience=live_pb2.AUDIENCE_EVERYONE), metadata=scene.as_(scene.host))
        again = (await scene.join(live.live_id, wechat_token)).play

        async def plays_again() -> bool:
            return await segment_status(again) == (200, "")

        await eventually(plays_again, timeout=NOTICED_S, what="the outsider let in again after widening")

        reason, elapsed = await refused_after(employee_play, lambda: scene.end(live.live_id))
        assert reason == "LIVE_ENDED"
        print(f"viewer refused {elapsed:.2f} s after the live ended")
    finally:
        await live.pusher.stop()


# ------------------------------------------------------------------------------ the rules alone


def _entry(key: str, at_ms: int) -> KeyValue.Entry:
    return KeyValue.Entry(bucket="play-rights", key=key, value=str(at_ms).encode(), revision=0, delta=0,
                          created=None, operation=None)


def _grant(issued_at: int, *, employee: bool = False, replay: bool = False, viewer_id: str = "wx_a") -> PlayGrant:
    return PlayGrant(live_id="live_a", viewer_id=viewer_id, replay=replay, employee=employee, issued_at=issued_at,
                     expires_at=issued_at + 60)


def test_a_narrowing_refuses_outsiders_tokens_minted_before_it_and_a_widening_lets_new_ones_in() -> None:
    rights = PlayRights(PlayTokens(KeySet()), Revocations())
    narrowed_s = 1_000_000
    rights._apply(_entry("narrowed.live_a", narrowed_s * 1000 + 400))
    assert rights.refusal(_grant(narrowed_s - 30)) == "NOT_IN_AUDIENCE"
    assert rights.refusal(_grant(narrowed_s - 30, employee=True)) is None, "employees play on"
    assert rights.refusal(_grant(narrowed_s - 30, replay=True)) == "NOT_IN_AUDIENCE", "the replay obeys it too"
    # Widened again in the same second: tokens minted from then on open it, older ones do not.
    rights._apply(_entry("widened.live_a", narrowed_s * 1000 + 900))
    assert rights.refusal(_grant(narrowed_s)) is None
    assert rights.refusal(_grant(narrowed_s - 1)) == "NOT_IN_AUDIENCE"
    # Narrowed once more: the widening before it no longer counts.
    rights._apply(_entry("narrowed.live_a", (narrowed_s + 5) * 1000))
    assert rights.refusal(_grant(narrowed_s + 1)) == "NOT_IN_AUDIENCE"
    assert rights.refusal(_grant(narrowed_s + 60)) is None, "minted well after: live let them in under a new rule"


def test_losses_are_forgotten_once_every_token_they_cover_has_expired() -> None:
    rights = PlayRights(PlayTokens(KeySet()), Revocations())
    now = time.time()
    old_ms, fresh_ms = int((now - 3600) * 1000), int(now * 1000)
    for i in range(100):
        rights._apply(_entry(f"removed.live_a.usr_{i}", old_ms))
        rights._apply(_entry(f"ended.live_old{i}", old_ms))
        rights._apply(_entry(f"narrowed.live_n{i}", old_ms))  # a narrowing covers replay tokens: kept
    rights._apply(_entry("removed.live_a.usr_fresh", fresh_ms))
    rights._forget_expired(now)
    assert rights.entries == 100 + 1
    assert rights.refusal(_grant(int(now) - 10, viewer_id="usr_fresh", employee=True)) == "REMOVED_FROM_LIVE"
    assert rights.refusal(_grant(int(now) - 10, viewer_id="usr_3", employee=True)) is None
    rights._forget_expired(now + 5 * 3600)
    assert rights.entries == 0
