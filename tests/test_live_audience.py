"""Who may watch, checked at every join, heartbeat, replay view and share-link use (SPEC F-23, F-24)."""

from __future__ import annotations

import grpc

from convene.live.v1 import live_pb2
from tests.harness import System, refused
from tests.live_support import Scene, live_system


async def _switch(scene: Scene, live_id: str, audience: int) -> None:
    await scene.live.UpdateAudience(live_pb2.UpdateAudienceRequest(live_id=live_id, audience=audience),
                                    metadata=scene.as_(scene.host))


async def test_an_employees_only_live_refuses_a_wechat_viewer_until_switched_to_everyone(live_system: System) -> None:
    wechat_id, wechat_token = await live_system.create_wechat_user()
    scene = await Scene.create(live_system, wechat_ids=[wechat_id])
    live_id = (await scene.start()).live.id
    code, reason = await refused(scene.join(live_id, wechat_token))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_IN_AUDIENCE")

    await _switch(scene, live_id, live_pb2.AUDIENCE_EVERYONE)
    joined = await scene.join(live_id, wechat_token)
    assert joined.play.url and joined.play.play_token

    # Switched back during the live: the next heartbeat is checked against the audience now.
    await _switch(scene, live_id, live_pb2.AUDIENCE_EMPLOYEES)
    code, reason = await refused(scene.live.ViewerHeartbeat(
        live_pb2.ViewerHeartbeatRequest(live_id=live_id), metadata=scene.as_(wechat_id, wechat_token)))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_IN_AUDIENCE")
    await scene.end(live_id)


async def test_employees_of_another_enterprise_are_not_the_audience(live_system: System) -> None:
    scene = await Scene.create(live_system)
    live_id = (await scene.start()).live.id
    other = await live_system.create_org(members=1)
    outsider_token = other.tokens[other.member_ids[0]]
    code, reason = await refused(scene.join(live_id, outsider_token))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_IN_AUDIENCE")
    # An employee who is not in the group may watch an employees-only live.
    colleague = await live_system.create_org(members=0)  # a separate org, to show the rule is the enterprise
    assert colleague.enterprise_id != scene.org.enterprise_id
    await scene.end(live_id)


async def test_share_links_are_signed_bound_to_one_live_and_still_obey_the_audience(live_system: System) -> None:
    """F-24: a tampered link is refused; a link to one live cannot open another; a WeChat user
    holding a forwarded link to an employees-only live is refused; each share's viewers counted."""
    wechat_id, wechat_token = await live_system.create_wechat_user()
    scene = await Scene.create(live_system, members=3, wechat_ids=[wechat_id])
    live_id = (await scene.start()).live.id
    other_scene = await Scene.create(live_system)
    other_live = (await other_scene.start()).live.id

    member = scene.org.member_ids[1]
    share = await scene.live.CreateShareLink(live_pb2.CreateShareLinkRequest(live_id=live_id),
                                             metadata=scene.as_(member))
    assert share.share_id.startswith("fwd_") and share.url

    token = share.url.rsplit("/", 1)[-1]
    body_start = token.index(".") + 1
    forged = token[:body_start] + ("A" if token[body_start] != "A" else "B") + token[body_start + 1:]
    code, reason = await refused(scene.join(live_id, scene.org.tokens[scene.org.member_ids[2]], share_link=forged))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "SHARE_LINK_SIGNATURE_INVALID")
    code, reason = await refused(other_scene.join(other_live, other_scene.org.tokens[other_scene.org.member_ids[1]],
                                                  share_link=share.url))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "SHARE_LINK_OTHER_SUBJECT")

    # WeChat user in the group forwards to a WeChat friend: the friend is refused while internal-only.
    _friend_id, friend_token = await live_system.create_wechat_user()
    outside = await scene.live.CreateShareLink(live_pb2.CreateShareLinkRequest(live_id=live_id),
                                               metadata=scene.as_(wechat_id, wechat_token))
    code, reason = await refused(scene.join(live_id, friend_token, share_link=outside.url))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_IN_AUDIENCE")
    await _switch(scene, live_id, live_pb2.AUDIENCE_EVERYONE)
    await scene.join(live_id, friend_token, share_link=outside.url)
    await scene.join(live_id, scene.org.tokens[scene.org.member_ids[2]], share_link=share.url)

    shares = await scene.live.ListShares(live_pb2.ListSharesRequest(live_id=live_id), metadata=scene.as_(scene.host))
    brought = {s.share_id: (s.sharer_id, s.viewers) for s in shares.shares}
    assert brought[share.share_id] == (member, 1)
    assert brought[outside.share_id] == (wechat_id, 1)

    # Someone outside the group cannot mint share links.
    stranger = await live_system.create_org(members=1)
    code, reason = await refused(scene.live.CreateShareLink(
        live_pb2.CreateShareLinkRequest(live_id=live_id),
        metadata=scene.as_(stranger.member_ids[0], stranger.tokens[stranger.member_ids[0]])))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_GROUP_MEMBER")
    await scene.end(live_id)
    await other_scene.end(other_live)
