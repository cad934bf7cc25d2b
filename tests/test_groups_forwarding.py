"""Forwarding cards (SPEC F-13, F-24): to another group, to a one-to-one chat, out to WeChat as a
signed share link; the copy points to the same live and shows its current state; the share chain
and the viewers each forward brought are recorded."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from convene.groups.v1 import groups_pb2 as gpb
from services.runtime import subjects
from services.runtime.errors import DomainError
from services.runtime.share_links import ShareLinks
from tests.groups_support import (
    card_items,
    close_streams,
    groups,
    live_event,
    new_group,
    open_streams,
    publish,
    start_live,
    viewer_joined,
    world,
)
from tests.harness import Org, System, bearer, eventually, refused, request_id


async def forward(system: System, token: str, card_id: str, **target: str) -> gpb.ForwardCardResponse:
    return await groups(system).ForwardCard(gpb.ForwardCardRequest(
        request_id=request_id(), card_id=card_id, **target), metadata=bearer(token))


async def live_card(system: System, org: Org, group_id: str, host: str) -> tuple[str, gpb.Card]:
    live_id = await start_live(system, group_id, host)

    async def posted() -> bool:
        return bool(await card_items(system, org.tokens[host], group_id))

    await eventually(posted, what="live card")
    return live_id, (await card_items(system, org.tokens[host], group_id))[0].card


async def forwards_of(system: System, token: str, card_id: str) -> list[gpb.Forward]:
    listed = await groups(system).ListCardForwards(gpb.ListCardForwardsRequest(card_id=card_id),
                                                   metadata=bearer(token))
    return list(listed.forwards)


async def test_forwarded_card_points_to_the_same_live_and_follows_its_state(world: System) -> None:
    org = await world.create_org(members=4)
    host, sharer, reader, _ = org.member_ids
    source = await new_group(world, org, host, [sharer])
    target = await new_group(world, org, sharer, [reader, org.admin_id], name="partners")
    live_id, card = await live_card(world, org, source.id, host)
    streams = await open_streams(world, org, [reader, org.admin_id])

    forwarded = await forward(world, org.tokens[sharer], card.id, target_group_id=target.id)
    assert forwarded.item.card.subject_id == live_id and forwarded.item.card.state == gpb.CARD_STATE_LIVE
    assert forwarded.item.forward_id == forwarded.forward.id and forwarded.item.sender_id == sharer
    assert forwarded.forward.target == gpb.FORWARD_TARGET_GROUP
    assert forwarded.forward.from_group_id == source.id and forwarded.forward.target_group_id == target.id
    assert [forwarded.item] == await card_items(world, org.tokens[reader], target.id), "the entry as the timeline shows it"
    await eventually(lambda: _all(s.cards_for(live_id) for s in streams.values()), what="forwarded card pushed")

    # The live ends: the original and the forwarded copy both say so, and B's members are told.
    await publish(world, live_event(subjects.LIVE_SESSION_ENDED, live_id, source.id, host))
    await eventually(lambda: _all(len(s.cards_for(live_id)) == 2 for s in streams.values()), what="copy updated")
    for stream in streams.values():
        assert [n.card.state for n in stream.cards_for(live_id)] == [gpb.CARD_STATE_LIVE, gpb.CARD_STATE_ENDED]
        assert {n.group_id for n in stream.cards_for(live_id)} == {target.id}
    copies = await card_items(world, org.tokens[reader], target.id)
    originals = await card_items(world, org.tokens[host], source.id)
    assert [c.card.state for c in copies] == [c.card.state for c in originals] == [gpb.CARD_STATE_ENDED]
    assert copies[0].card.subject_id == originals[0].card.subject_id == live_id
    await close_streams(streams)


async def test_forward_to_a_one_to_one_chat(world: System) -> None:
    org = await world.create_org(members=2)
    host, friend = org.member_ids
    group = await new_group(world, org, host, [org.admin_id])
    live_id, card = await live_card(world, org, group.id, host)

    forwarded = await forward(world, org.tokens[host], card.id, target_user_id=friend)
    assert forwarded.forward.target == gpb.FORWARD_TARGET_DIRECT_CHAT
    chats = await groups(world).ListMyGroups(gpb.ListMyGroupsRequest(), metadata=bearer(org.tokens[friend]))
    (chat,) = chats.groups
    assert chat.kind == gpb.GROUP_KIND_DIRECT and chat.member_count == 2 and chat.id == forwarded.forward.target_group_id
    assert [i.card.subject_id for i in await card_items(world, org.tokens[friend], chat.id)] == [live_id]


async def test_only_someone_who_sees_the_card_forwards_it_and_nothing_is_left_behind(world: System) -> None:
    org = await world.create_org(members=3)
    host, outsider, colleague = org.member_ids
    group = await new_group(world, org, host, [org.admin_id])
    elsewhere = await new_group(world, org, outsider, [colleague])
    foreign = await new_group(world, org, colleague, [org.admin_id])
    _, card = await live_card(world, org, group.id, host)

    assert await refused(forward(world, org.tokens[outsider], card.id, target_group_id=elsewhere.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_GROUP_MEMBER")
    assert await refused(forward(world, org.tokens[host], card.id, target_group_id=foreign.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_TARGET_GROUP_MEMBER")
    assert await refused(forward(world, org.tokens[host], card.id, target_group_id=group.id)) == (
        grpc.StatusCode.INVALID_ARGUMENT, "FORWARD_TO_SAME_GROUP")
    assert await refused(groups(world).CreateShareLink(gpb.CreateShareLinkRequest(
        request_id=request_id(), card_id=card.id), metadata=bearer(org.tokens[outsider]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_GROUP_MEMBER")
    assert await refused(forwards_of(world, org.tokens[outsider], card.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_GROUP_MEMBER")
    # Nothing half-written: no copy, no forward recorded.
    assert await card_items(world, org.tokens[colleague], foreign.id) == []
    assert await card_items(world, org.tokens[outsider], elsewhere.id) == []
    assert await forwards_of(world, org.tokens[host], card.id) == []


async def test_share_link_is_signed_for_that_live_only(world: System) -> None:
    org = await world.create_org(members=1)
    host = org.member_ids[0]
    wechat_id, wechat_token = await world.create_wechat_user()
    group = await new_group(world, org, host, [wechat_id], kind=gpb.GROUP_KIND_EXTERNAL)
    live_id, card = await live_card(world, org, group.id, host)

    # An external contact in the group shares the card with their WeChat friends (F-24).
    shared = await groups(world).CreateShareLink(gpb.CreateShareLinkRequest(
        request_id=request_id(), card_id=card.id), metadata=bearer(wechat_token))
    assert shared.forward.target == gpb.FORWARD_TARGET_WECHAT and shared.forward.sharer_id == wechat_id
    assert shared.url.endswith(shared.token)
    links = ShareLinks(await world.keyset())  # verifies only, as live does when a viewer comes by the link
    link = await links.verify(shared.url, subject_id=live_id)
    assert (link.share_id, link.subject_id, link.sharer_id) == (shared.forward.id, live_id, wechat_id)

    prefix, body, signature = shared.token.split(".")
    altered = f"{prefix}.{body.replace(body[5], 'A' if body[5] != 'A' else 'B', 1)}.{signature}"
    for bad, reason in ((altered, "SHARE_LINK_SIGNATURE_INVALID"), ("https://x/not-a-link", "SHARE_LINK_MALFORMED")):
        with pytest.raises(DomainError) as refusal:
            await links.verify(bad, subject_id=live_id)
        assert refusal.value.reason == reason
    with pytest.raises(DomainError) as other:
        await links.verify(shared.token, subject_id="live_00000000000000000000000000")
    assert other.value.reason == "SHARE_LINK_OTHER_SUBJECT"


async def test_share_chain_counts_the_viewers_each_forward_brought(world: System) -> None:
    org = await world.create_org(members=4)
    host, first, second, viewer = org.member_ids
    origin = await new_group(world, org, host, [first])
    middle = await new_group(world, org, first, [second], name="middle")
    last = await new_group(world, org, second, [viewer], name="last")
    live_id, card = await live_card(world, org, origin.id, host)

    into_middle = await forward(world, org.tokens[first], card.id, target_group_id=middle.id)
    into_last = await forward(world, org.tokens[second], into_middle.item.card.id, target_group_id=last.id)
    link = await groups(world).CreateShareLink(gpb.CreateShareLinkRequest(
        request_id=request_id(), card_id=into_last.item.card.id), metadata=bearer(org.tokens[viewer]))
    assert into_last.forward.parent_forward_id == into_middle.forward.id
    assert link.forward.parent_forward_id == into_last.forward.id

    wechat_friend = "wx_0000000000000000000000000a"
    await publish(world, viewer_joined(live_id, viewer, into_last.forward.id),
                  viewer_joined(live_id, viewer, into_last.forward.id),  # the same viewer again
                  viewer_joined(live_id, second, into_last.forward.id),
                  viewer_joined(live_id, wechat_friend, link.forward.id),
                  viewer_joined("live_0000000000000000000000000b", org.admin_id, into_middle.forward.id),  # another live
                  viewer_joined(live_id, org.admin_id, ""))  # came without a forward

    expected = {into_middle.forward.id: 0, into_last.forward.id: 2, link.forward.id: 1}

    async def counted() -> bool:
        listed = await forwards_of(world, org.tokens[host], card.id)
        return {f.id: f.viewer_count for f in listed} == expected

    await eventually(counted, what="viewers per forward")
    # The live's host sees the whole chain; a sharer sees their own forwards.
    assert [f.id for f in await forwards_of(world, org.tokens[second], into_last.item.card.id)] == [
        into_last.forward.id]


async def _all(values: object) -> bool:
    await asyncio.sleep(0)
    return all(values)
