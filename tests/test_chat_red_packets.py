"""Enterprise red-packet covers and red packets (SPEC F-50): an admin of a verified enterprise
applies, the platform reviews (the applicant is told), members put approved covers on red
packets (with WeChat friends too) until the quantity is used up, counted in the message's own
transaction; each share of a red packet is claimed once. Identity, groups and two notifications
replicas over real NATS and PostgreSQL, one system for the module."""

from __future__ import annotations

import asyncio

import grpc

from convene.groups.v1 import covers_pb2 as cpb
from convene.groups.v1 import covers_pb2_grpc
from convene.groups.v1 import groups_pb2 as gpb
from convene.notifications.v1 import notifications_pb2 as npb
from tests.chat_support import ChatDevice, chat_world, groups, new_chat, on_every, post
from tests.harness import Org, System, bearer, error_reason, eventually, refused, request_id


def covers(system: System) -> covers_pb2_grpc.CoversServiceStub:
    return covers_pb2_grpc.CoversServiceStub(system.channel(system.address_of("groups")))


async def apply(system: System, token: str, name: str = "Spring Festival", quantity: int = 10,
                image_ref: str = "media://covers/spring.png") -> cpb.Cover:
    reply = await covers(system).ApplyForCover(cpb.ApplyForCoverRequest(
        request_id=request_id(), name=name, image_ref=image_ref, quantity=quantity), metadata=bearer(token))
    return reply.cover


async def review(system: System, cover_id: str, *, approve: bool, reason: str = "") -> cpb.Cover:
    reply = await covers(system).ReviewCover(cpb.ReviewCoverRequest(cover_id=cover_id, approve=approve,
                                                                    reject_reason=reason),
                                             metadata=bearer(system.operator_token))
    return reply.cover


async def enterprise_known(system: System, org: Org) -> None:
    """Groups learns of enterprises from identity's events: wait until it knows this one."""
    async def applies() -> bool:
        try:
            await apply(system, org.tokens[org.admin_id], name="probe", quantity=1)
            return True
        except grpc.aio.AioRpcError as error:
            if error_reason(error) != "ENTERPRISE_NOT_VERIFIED":
                raise
            return False

    await eventually(applies, what="groups to know the enterprise")


def red_packet(amount_fen: int, shares: int = 1, cover_id: str = "", greeting: str = "恭喜发财") -> dict:
    return {"red_packet": gpb.RedPacketDraft(amount_fen=amount_fen, shares=shares, cover_id=cover_id,
                                             greeting=greeting)}


async def send_packet(system: System, token: str, group_id: str, **draft: object) -> gpb.TimelineItem:
    reply = await groups(system).PostMessage(gpb.PostMessageRequest(request_id=request_id(), group_id=group_id,
                                                                    **red_packet(**draft)),
                                             metadata=bearer(token))
    return reply.item


async def claim(system: System, token: str, message_id: str) -> gpb.ClaimRedPacketResponse:
    return await groups(system).ClaimRedPacket(gpb.ClaimRedPacketRequest(message_id=message_id), metadata=bearer(token))


async def test_a_cover_is_applied_for_reviewed_and_the_applicant_told(chat_world: System) -> None:
    org = await chat_world.create_org(members=1)
    await enterprise_known(chat_world, org)
    admin = org.tokens[org.admin_id]
    inbox = await ChatDevice(chat_world, org.admin_id, admin).connect()

    assert await refused(apply(chat_world, org.tokens[org.member_ids[0]])) == (
        grpc.StatusCode.PERMISSION_DENIED, "ADMIN_ONLY")
    assert await refused(apply(chat_world, admin, name="  ")) == (grpc.StatusCode.INVALID_ARGUMENT, "FIELD_REQUIRED")
    liked = await apply(chat_world, admin, name="Dragon boat")
    disliked = await apply(chat_world, admin, name="Too loud")
    assert (liked.state, liked.enterprise_id, liked.enterprise_name) == (cpb.COVER_STATE_PENDING, org.enterprise_id, "Acme")
    assert await refused(covers(chat_world).ReviewCover(cpb.ReviewCoverRequest(cover_id=liked.id, approve=True),
                                                        metadata=bearer(admin))) == (
        grpc.StatusCode.PERMISSION_DENIED, "PLATFORM_ONLY")
    assert await refused(covers(chat_world).ReviewCover(cpb.ReviewCoverRequest(cover_id=disliked.id),
                                                        metadata=bearer(chat_world.operator_token))) == (
        grpc.StatusCode.INVALID_ARGUMENT, "FIELD_REQUIRED")
    approved = await review(chat_world, liked.id, approve=True)
    rejected = await review(chat_world, disliked.id, approve=False, reason="the logo is not the enterprise's")
    assert (approved.state, rejected.state, rejected.reject_reason) == (
        cpb.COVER_STATE_APPROVED, cpb.COVER_STATE_REJECTED, "the logo is not the enterprise's")
    assert await refused(review(chat_world, liked.id, approve=False, reason="changed my mind")) == (
        grpc.StatusCode.FAILED_PRECONDITION, "COVER_ALREADY_REVIEWED")

    def told(d: ChatDevice) -> bool:
        titles = [r.notification.title for r in d.items if r.notification.kind == npb.NOTIFICATION_KIND_COVER_REVIEWED]
        return sorted(titles) == ["Red packet cover approved: Dragon boat", "Red packet cover rejected: Too loud"]

    await eventually(lambda: on_every(told, inbox), what="the applicant told of both reviews")
    member_view = await covers(chat_world).ListCovers(cpb.ListCoversRequest(),
                                                      metadata=bearer(org.tokens[org.member_ids[0]]))
    assert [c.name for c in member_view.covers] == ["Dragon boat"], "members see the approved ones"
    queue = await covers(chat_world).ListCovers(cpb.ListCoversRequest(state=cpb.COVER_STATE_PENDING),
                                                metadata=bearer(chat_world.operator_token))
    assert liked.id not in [c.id for c in queue.covers]
    await inbox.disconnect()


async def test_an_unverified_enterprise_cannot_apply(chat_world: System) -> None:
    org = await chat_world.create_org(members=0, verified=False)
    await asyncio.sleep(0.5)  # time for groups to hear of it
    assert await refused(apply(chat_world, org.tokens[org.admin_id])) == (
        grpc.StatusCode.FAILED_PRECONDITION, "ENTERPRISE_NOT_VERIFIED")


async def test_covers_are_used_until_used_up_by_their_enterprise_only_and_recipients_see_them(
        chat_world: System) -> None:
    org = await chat_world.create_org(members=2)
    await enterprise_known(chat_world, org)
    sender, colleague = org.member_ids
    friend, friend_token = await chat_world.create_wechat_user()
    # Sender and the WeChat friend share an external group, so they may chat one to one.
    external = await new_chat(chat_world, org, sender, [friend, colleague], kind=gpb.GROUP_KIND_EXTERNAL)
    direct = (await groups(chat_world).OpenDirectChat(gpb.OpenDirectChatRequest(user_id=friend),
                                                      metadata=bearer(org.tokens[sender]))).group.id
    pending = await apply(chat_world, org.tokens[org.admin_id], name="Waiting")
    rejected = await review(chat_world, (await apply(chat_world, org.tokens[org.admin_id], name="No")).id,
                            approve=False, reason="blurry")
    cover = await review(chat_world, (await apply(chat_world, org.tokens[org.admin_id], name="Golden", quantity=2)).id,
                         approve=True)
    phone = await ChatDevice(chat_world, friend, friend_token).connect()

    for unusable, reason in ((pending.id, "COVER_NOT_APPROVED"), (rejected.id, "COVER_NOT_APPROVED")):
        assert await refused(send_packet(chat_world, org.tokens[sender], direct, amount_fen=888, cover_id=unusable)) == (
            grpc.StatusCode.FAILED_PRECONDITION, reason)
    packet = await send_packet(chat_world, org.tokens[sender], direct, amount_fen=888, cover_id=cover.id)
    await send_packet(chat_world, org.tokens[sender], external, amount_fen=200, shares=2, cover_id=cover.id)
    assert await refused(send_packet(chat_world, org.tokens[sender], external, amount_fen=100, cover_id=cover.id)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "COVER_USED_UP")
    assert (await covers(chat_world).GetCover(cpb.GetCoverRequest(cover_id=cover.id),
                                              metadata=bearer(org.tokens[sender]))).cover.used_count == 2

    await eventually(lambda: on_every(lambda d: d.chat(direct).held == 1, phone), what="the red packet")
    seen = phone.timeline(direct)[0].red_packet
    assert (seen.amount_fen, seen.shares, seen.greeting) == (888, 1, "恭喜发财")
    assert (seen.cover.cover_id, seen.cover.name, seen.cover.image_ref, seen.cover.enterprise_id,
            seen.cover.enterprise_name) == (cover.id, "Golden", "media://covers/spring.png", org.enterprise_id, "Acme")
    claimed = await claim(chat_world, friend_token, packet.id)
    assert (claimed.claim.claimer_id, claimed.claim.amount_fen, claimed.red_packet.claimed_shares) == (friend, 888, 1)
    assert await refused(claim(chat_world, friend_token, packet.id)) == (grpc.StatusCode.ALREADY_EXISTS, "ALREADY_CLAIMED")
    assert await refused(claim(chat_world, org.tokens[sender], packet.id)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "SENDER_CANNOT_CLAIM")
    assert await refused(groups(chat_world).RecallMessage(gpb.RecallMessageRequest(message_id=packet.id),
                                                          metadata=bearer(org.tokens[sender]))) == (
        grpc.StatusCode.FAILED_PRECONDITION, "NOT_RECALLABLE")

    # Another enterprise's member cannot use it; a WeChat user uses no cover.
    other = await chat_world.create_org(members=1)
    theirs = await new_chat(chat_world, other, other.member_ids[0], [other.admin_id])
    assert await refused(send_packet(chat_world, other.tokens[other.member_ids[0]], theirs, amount_fen=100,
                                     cover_id=cover.id)) == (grpc.StatusCode.PERMISSION_DENIED, "COVER_OTHER_ENTERPRISE")
    assert await refused(send_packet(chat_world, friend_token, external, amount_fen=100, cover_id=cover.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "COVER_MEMBERS_ONLY")
    await phone.disconnect()


async def test_concurrent_uses_never_pass_the_quantity_and_a_refused_one_leaves_no_message(chat_world: System) -> None:
    org = await chat_world.create_org(members=2)
    await enterprise_known(chat_world, org)
    sender, colleague = org.member_ids
    group_id = await new_chat(chat_world, org, sender, [colleague])
    cover = await review(chat_world, (await apply(chat_world, org.tokens[org.admin_id], name="Few", quantity=3)).id,
                         approve=True)
    outcomes = await asyncio.gather(*(send_packet(chat_world, org.tokens[sender], group_id, amount_fen=100,
                                                  cover_id=cover.id) for _ in range(8)), return_exceptions=True)
    sent = [o for o in outcomes if isinstance(o, gpb.TimelineItem)]
    refusals = {(o.code(), error_reason(o)) for o in outcomes if isinstance(o, grpc.aio.AioRpcError)}
    assert len(sent) == 3 and refusals == {(grpc.StatusCode.FAILED_PRECONDITION, "COVER_USED_UP")}
    timeline = await groups(chat_world).ListTimeline(gpb.ListTimelineRequest(group_id=group_id),
                                                     metadata=bearer(org.tokens[colleague]))
    assert len(timeline.items) == 3, "a refused red packet leaves no entry"
    assert sorted(i.sequence for i in timeline.items) == [1, 2, 3], "and no hole in the sequence"


async def test_a_group_red_packet_is_claimed_once_per_recipient_until_its_shares_are_gone(chat_world: System) -> None:
    org = await chat_world.create_org(members=4)
    sender, *others = org.member_ids
    group_id = await new_chat(chat_world, org, sender, others)
    assert await refused(send_packet(chat_world, org.tokens[sender], group_id, amount_fen=100, shares=4)) == (
        grpc.StatusCode.INVALID_ARGUMENT, "RED_PACKET_SHARES")
    packet = await send_packet(chat_world, org.tokens[sender], group_id, amount_fen=100, shares=2, greeting="")
    outcomes = await asyncio.gather(*(claim(chat_world, org.tokens[o], packet.id) for o in others),
                                    return_exceptions=True)
    claims = [o for o in outcomes if isinstance(o, gpb.ClaimRedPacketResponse)]
    refusals = [(o.code(), error_reason(o)) for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert len(claims) == 2 and refusals == [(grpc.StatusCode.FAILED_PRECONDITION, "RED_PACKET_EMPTY")]
    assert sum(c.claim.amount_fen for c in claims) == 100
    got = await groups(chat_world).GetRedPacket(gpb.GetRedPacketRequest(message_id=packet.id),
                                                metadata=bearer(org.tokens[others[0]]))
    assert (got.red_packet.claimed_shares, got.red_packet.claimed_amount_fen) == (2, 100)
    assert sorted(c.claimer_id for c in got.claims) == sorted(c.claim.claimer_id for c in claims)
    assert all(c.claim_time.seconds > 0 for c in got.claims)
    outsider = await chat_world.create_org(members=0)
    assert await refused(claim(chat_world, outsider.tokens[outsider.admin_id], packet.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_GROUP_MEMBER")
    assert await refused(claim(chat_world, org.tokens[others[0]], (await post(
        chat_world, org.tokens[sender], group_id, "just text")).id)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "NOT_A_RED_PACKET")

