"""Recall (撤回, SPEC F-15): the sender within the recall window (2 s in this module, 2 minutes by
default), the owner or a group admin at any time; every device sees "X recalled a message" in its
place, and its text is gone from every read path: timeline pages both ways, the conversations
list, quotes, the notifications inbox and stream, and the database. Identity, groups and two
notifications replicas over real NATS and PostgreSQL, one system for the module."""

from __future__ import annotations

import asyncio

import asyncpg
import grpc

from convene.groups.v1 import groups_pb2 as gpb
from convene.notifications.v1 import notifications_pb2 as npb
from tests.chat_support import ChatDevice, chat_world, conversation, devices, disconnect_all, groups, new_chat, on_every, post
from tests.harness import System, bearer, eventually, refused

SECRET = "the launch code is 0000"


async def recall(system: System, token: str, message_id: str) -> gpb.TimelineItem:
    return (await groups(system).RecallMessage(gpb.RecallMessageRequest(message_id=message_id),
                                               metadata=bearer(token))).item


async def test_a_recall_reaches_every_device_and_the_text_is_gone_from_every_read_path(chat_world: System) -> None:
    org = await chat_world.create_org(members=3)
    sender, a, b = org.member_ids
    group_id = await new_chat(chat_world, org, a, [sender, b])
    made = await devices(chat_world, org, [sender, a, b], replicas=(0, 1))
    await post(chat_world, org.tokens[a], group_id, "before")
    secret = await post(chat_world, org.tokens[sender], group_id, SECRET, mention_ids=[b])
    reply = await post(chat_world, org.tokens[a], group_id, "noted", reply_to_sequence=secret.sequence)
    assert reply.reply_to.text == SECRET
    everyone = [d for ds in made.values() for d in ds]
    await eventually(lambda: on_every(lambda d: d.chat(group_id).held == 3, *everyone), what="the messages everywhere")
    assert made[b][0].unread(group_id) == 3 and (await conversation(chat_world, org.tokens[b], group_id)).state.mentioned

    entry = await recall(chat_world, org.tokens[sender], secret.id)
    assert entry.WhichOneof("content") == "recall"
    assert (entry.recall.sequence, entry.recall.recalled_by_id, entry.recall.sender_id) == (
        secret.sequence, sender, sender)
    await eventually(lambda: on_every(lambda d: d.chat(group_id).held == 4, *everyone), what="the recall everywhere")
    for device in everyone:
        shown = device.timeline(group_id)[secret.sequence - 1]
        assert shown.WhichOneof("content") is None and shown.recalled.recalled_by_id == sender
    assert made[b][0].unread(group_id) == 2, "a recalled message is no longer unread"
    listed = await conversation(chat_world, org.tokens[b], group_id)
    assert (listed.state.unread_count, listed.state.mentioned) == (2, False), "nor a mention"
    assert listed.last_item.WhichOneof("content") == "recall"

    # Every read path, as each member sees it.
    for person in (sender, a, b):
        token = org.tokens[person]
        newest_first = await _all_pages(chat_world, token, group_id, after=None)
        oldest_first = await _all_pages(chat_world, token, group_id, after=0)
        assert newest_first[::-1] == oldest_first
        for item in oldest_first:
            assert SECRET not in item.SerializeToString().decode(errors="ignore")
        assert oldest_first[secret.sequence - 1].recalled.recalled_by_id == sender
        quote = oldest_first[reply.sequence - 1].reply_to
        assert (quote.recalled, quote.text) == (True, "")
        inbox = await chat_world.stub("notifications").ListNotifications(npb.ListNotificationsRequest(),
                                                                         metadata=bearer(token))
        assert SECRET not in inbox.SerializeToString().decode(errors="ignore")
        replay = await ChatDevice(chat_world, person, token).connect()  # a new device, from the start
        assert all(SECRET not in r.SerializeToString().decode(errors="ignore") for r in replay.items)
        assert all(SECRET not in i.SerializeToString().decode(errors="ignore") for i in replay.timeline(group_id))
        await replay.disconnect()
    conn = await asyncpg.connect(chat_world.database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM groups.timeline_items WHERE text LIKE '%launch code%'") == 0
    finally:
        await conn.close()
    await disconnect_all(made)


async def test_who_may_recall_and_when(chat_world: System) -> None:
    org = await chat_world.create_org(members=4)
    owner, admin, sender, other = org.member_ids
    group_id = await new_chat(chat_world, org, owner, [admin, sender, other])
    await groups(chat_world).SetGroupAdmin(gpb.SetGroupAdminRequest(group_id=group_id, member_id=admin, admin=True),
                                           metadata=bearer(org.tokens[owner]))
    mine = await post(chat_world, org.tokens[sender], group_id, "oops")
    old = await post(chat_world, org.tokens[sender], group_id, "said a while ago")
    theirs = await post(chat_world, org.tokens[other], group_id, "not yours")

    assert await refused(recall(chat_world, org.tokens[sender], theirs.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "RECALL_NOT_ALLOWED")
    await recall(chat_world, org.tokens[sender], mine.id)  # inside the window
    assert await refused(recall(chat_world, org.tokens[sender], mine.id)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "ALREADY_RECALLED")
    await asyncio.sleep(2.5)  # past this module's 2 s window
    assert await refused(recall(chat_world, org.tokens[sender], old.id)) == (
        grpc.StatusCode.FAILED_PRECONDITION, "RECALL_WINDOW_PASSED")
    await recall(chat_world, org.tokens[admin], old.id)  # an admin, any message, any time
    await recall(chat_world, org.tokens[owner], theirs.id)  # the owner too
    outsider = org.admin_id
    assert await refused(recall(chat_world, org.tokens[outsider], theirs.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_GROUP_MEMBER")
    items = await _all_pages(chat_world, org.tokens[other], group_id, after=0)
    recalled = [(i.sequence, i.recalled.recalled_by_id) for i in items if i.HasField("recalled")]
    assert recalled == [(mine.sequence, sender), (old.sequence, admin), (theirs.sequence, owner)]
    recall_entries = [i.recall.sequence for i in items if i.WhichOneof("content") == "recall"]
    assert recall_entries == [mine.sequence, old.sequence, theirs.sequence]


async def _all_pages(system: System, token: str, group_id: str, *, after: int | None) -> list[gpb.TimelineItem]:
    items: list[gpb.TimelineItem] = []
    page_token = ""
    while True:
        request = gpb.ListTimelineRequest(group_id=group_id, page_size=2, page_token=page_token)
        if after is not None:
            request.after_sequence = after
        page = await groups(system).ListTimeline(request, metadata=bearer(token))
        items += page.items
        page_token = page.next_page_token
        if not page_token:
            return items
