"""Unread per chat, read positions shared by a member's devices, the conversations list, do not
disturb and mentions (SPEC F-15). Identity, groups and two notifications replicas over real NATS
and PostgreSQL, one system for the module."""

from __future__ import annotations

import asyncio
import random

import grpc

from convene.groups.v1 import groups_pb2 as gpb
from tests.chat_support import (
    ChatDevice,
    chat_world,
    conversation,
    devices,
    disconnect_all,
    groups,
    mark_read,
    new_chat,
    on_every,
    post,
)
from tests.harness import System, bearer, eventually, refused


async def test_unread_counts_are_right_after_concurrent_posts_and_reads_on_two_devices(chat_world: System) -> None:
    org = await chat_world.create_org(members=4)
    reader, *senders = org.member_ids
    group_id = await new_chat(chat_world, org, senders[0], [reader, *senders[1:]])
    phone, laptop = (ChatDevice(chat_world, reader, org.tokens[reader], replica=r) for r in (0, 1))
    await asyncio.gather(phone.connect(), laptop.connect())
    rng = random.Random(14)

    async def send(sender: str) -> None:
        for i in range(15):
            await post(chat_world, org.tokens[sender], group_id, f"{sender} {i}")

    async def read_along(device: ChatDevice) -> None:
        """Read up to what this device shows, at moments of its own, while messages arrive."""
        for _ in range(12):
            await asyncio.sleep(rng.uniform(0.01, 0.08))
            held = device.chat(group_id).held
            if held:
                await mark_read(chat_world, org.tokens[reader], group_id, rng.randint(max(1, held - 3), held))

    await asyncio.gather(*(send(s) for s in senders), read_along(phone), read_along(laptop))
    final_read = max(phone.chat(group_id).held - 7, 1)
    await mark_read(chat_world, org.tokens[reader], group_id, final_read)  # may be behind: positions never go back

    listed = await conversation(chat_world, org.tokens[reader], group_id)
    position = listed.state.read_sequence
    assert position >= final_read
    assert listed.state.unread_count == 45 - position, "every message after the read position is someone else's"
    assert listed.last_item.sequence == 45

    async def devices_agree() -> bool:
        return await on_every(lambda d: d.state(group_id).read_sequence == position and d.chat(group_id).held == 45,
                           phone, laptop)

    await eventually(devices_agree, what="both devices at the shared read position")
    assert phone.unread(group_id) == laptop.unread(group_id) == 45 - position
    await asyncio.gather(phone.disconnect(), laptop.disconnect())


async def test_a_read_on_one_device_updates_the_others_and_the_badge_adds_up(chat_world: System) -> None:
    org = await chat_world.create_org(members=2)
    me, friend = org.member_ids
    first = await new_chat(chat_world, org, friend, [me])
    second = await new_chat(chat_world, org, friend, [me, org.admin_id])
    phone, laptop = (ChatDevice(chat_world, me, org.tokens[me], replica=r) for r in (0, 1))
    await asyncio.gather(phone.connect(), laptop.connect())
    for text in ("a", "b", "c"):
        await post(chat_world, org.tokens[friend], first, text)
    for text in ("d", "e"):
        await post(chat_world, org.tokens[friend], second, text)
    await eventually(lambda: on_every(lambda d: d.chat(first).held == 3 and d.chat(second).held == 2, phone, laptop),
                     what="messages on both devices")
    assert (phone.unread(first), phone.unread(second)) == (3, 2)

    await mark_read(chat_world, org.tokens[me], first, 2)  # on the phone
    await eventually(lambda: on_every(lambda d: d.unread(first) == 1, phone, laptop), what="the read on both devices")
    page = await groups(chat_world).ListConversations(gpb.ListConversationsRequest(), metadata=bearer(org.tokens[me]))
    assert page.total_unread_count == 1 + 2
    assert [c.group.id for c in page.conversations][:2] == [second, first], "most recently active first"
    assert [c.state.unread_count for c in page.conversations][:2] == [2, 1]
    assert page.conversations[0].last_item.text == "e"

    await post(chat_world, org.tokens[me], first, "read it all")  # posting reads the chat
    await eventually(lambda: on_every(lambda d: d.unread(first) == 0, phone, laptop), what="posting reads the chat")
    listed = await conversation(chat_world, org.tokens[me], first)
    assert (listed.state.read_sequence, listed.state.unread_count) == (4, 0)
    await asyncio.gather(phone.disconnect(), laptop.disconnect())


async def test_conversations_page_by_last_activity(chat_world: System) -> None:
    org = await chat_world.create_org(members=1)
    me = org.member_ids[0]
    chats = [await new_chat(chat_world, org, me, [org.admin_id]) for _ in range(5)]
    for group_id in (chats[3], chats[1], chats[4]):
        await post(chat_world, org.tokens[org.admin_id], group_id, "bump")
    seen = []
    token = ""
    while True:
        page = await groups(chat_world).ListConversations(gpb.ListConversationsRequest(page_size=2, page_token=token),
                                                          metadata=bearer(org.tokens[me]))
        seen += [c.group.id for c in page.conversations]
        token = page.next_page_token
        if not token:
            break
    assert seen[:3] == [chats[4], chats[1], chats[3]]
    assert sorted(seen) == sorted(chats)


async def test_a_read_past_the_end_is_refused_and_a_read_back_changes_nothing(chat_world: System) -> None:
    org = await chat_world.create_org(members=1)
    me = org.member_ids[0]
    group_id = await new_chat(chat_world, org, org.admin_id, [me])
    for text in ("one", "two"):
        await post(chat_world, org.tokens[org.admin_id], group_id, text)
    assert await refused(groups(chat_world).MarkChatRead(gpb.MarkChatReadRequest(
        group_id=group_id, read_sequence=3), metadata=bearer(org.tokens[me]))) == (
        grpc.StatusCode.OUT_OF_RANGE, "READ_POSITION_PAST_END")
    state = await mark_read(chat_world, org.tokens[me], group_id, 2)
    assert (state.read_sequence, state.unread_count) == (2, 0)
    again = await mark_read(chat_world, org.tokens[me], group_id, 1)
    assert (again.read_sequence, again.version) == (2, state.version), "a read position never moves back"
    outsider = (await chat_world.create_org(members=0)).admin_id
    other = await chat_world.token_for(outsider)
    assert await refused(groups(chat_world).MarkChatRead(gpb.MarkChatReadRequest(
        group_id=group_id, read_sequence=1), metadata=bearer(other))) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_GROUP_MEMBER")


async def test_a_muted_chat_does_not_alert_but_counts_and_a_mention_still_alerts(chat_world: System) -> None:
    org = await chat_world.create_org(members=2)
    me, friend = org.member_ids
    group_id = await new_chat(chat_world, org, friend, [me, org.admin_id])
    made = await devices(chat_world, org, [me, org.admin_id], replicas=(1,))
    mine, theirs = made[me][0], made[org.admin_id][0]
    muted = await groups(chat_world).SetChatMuted(gpb.SetChatMutedRequest(group_id=group_id, muted=True),
                                                  metadata=bearer(org.tokens[me]))
    assert muted.state.muted

    await post(chat_world, org.tokens[friend], group_id, "lunch?")
    await post(chat_world, org.tokens[friend], group_id, "@me are you in?", mention_ids=[me])
    await eventually(lambda: on_every(lambda d: d.chat(group_id).held == 2, mine, theirs), what="both messages")
    assert [i.text for i in mine.alerts] == ["@me are you in?"], "muted: only the mention alerts"
    assert [i.text for i in theirs.alerts] == ["lunch?", "@me are you in?"]
    listed = await conversation(chat_world, org.tokens[me], group_id)
    assert (listed.state.muted, listed.state.unread_count, listed.state.mentioned) == (True, 2, True)
    page = await groups(chat_world).ListConversations(gpb.ListConversationsRequest(), metadata=bearer(org.tokens[me]))
    assert page.total_unread_count == 0, "a muted chat's unread is not in the badge"
    await eventually(lambda: on_every(lambda d: d.state(group_id).muted, mine), what="the mute on the device")

    state = await mark_read(chat_world, org.tokens[me], group_id, 1)
    assert state.mentioned, "the mention is after the read position"
    state = await mark_read(chat_world, org.tokens[me], group_id, 2)
    assert not state.mentioned and state.unread_count == 0, "the marker stays until the mention is read"
    await disconnect_all(made)


async def test_mention_all_is_for_the_owner_and_admins_and_mentions_are_of_members(chat_world: System) -> None:
    org = await chat_world.create_org(members=3)
    owner, plain, admin = org.member_ids
    group_id = await new_chat(chat_world, org, owner, [plain, admin])
    outsider = org.admin_id  # a colleague who is not in this group
    made = await devices(chat_world, org, [plain])

    assert await refused(post(chat_world, org.tokens[plain], group_id, "@all hi", mention_all=True)) == (
        grpc.StatusCode.PERMISSION_DENIED, "MENTION_ALL_NOT_ALLOWED")
    assert await refused(post(chat_world, org.tokens[plain], group_id, "@you", mention_ids=[outsider])) == (
        grpc.StatusCode.FAILED_PRECONDITION, "MENTION_NOT_IN_GROUP")
    await groups(chat_world).SetGroupAdmin(gpb.SetGroupAdminRequest(group_id=group_id, member_id=admin, admin=True),
                                           metadata=bearer(org.tokens[owner]))
    assert await refused(groups(chat_world).SetGroupAdmin(gpb.SetGroupAdminRequest(
        group_id=group_id, member_id=plain, admin=True), metadata=bearer(org.tokens[admin]))) == (
        grpc.StatusCode.PERMISSION_DENIED, "OWNER_ONLY")
    await post(chat_world, org.tokens[owner], group_id, "@all standup", mention_all=True)
    await post(chat_world, org.tokens[admin], group_id, "@all retro", mention_all=True)
    await groups(chat_world).SetChatMuted(gpb.SetChatMutedRequest(group_id=group_id, muted=True),
                                          metadata=bearer(org.tokens[plain]))
    await post(chat_world, org.tokens[owner], group_id, "@all again", mention_all=True)
    device = made[plain][0]
    await eventually(lambda: on_every(lambda d: d.chat(group_id).held == 3, device), what="the @all messages")
    assert [i.text for i in device.alerts] == ["@all standup", "@all retro", "@all again"], "@all alerts even muted"
    assert (await conversation(chat_world, org.tokens[plain], group_id)).state.mentioned
    assert not (await conversation(chat_world, org.tokens[owner], group_id)).state.mentioned, "not by one's own @all"
    await disconnect_all(made)
