"""Group timelines (SPEC F-12): text messages and cards in one ordered, paginated list; cards
updated in place, idempotently and in order, and every change pushed to every member (F-41, F-42).
Live is played by the tests (tests/groups_support.py), so events can come twice, late or out of order."""

from __future__ import annotations

import asyncio

import grpc

from convene.groups.v1 import groups_pb2 as gpb
from services.runtime import subjects
from services.runtime.ids import new_id
from tests.chat_support import conversation, devices, disconnect_all, on_every, post
from tests.groups_support import (
    card_items,
    close_streams,
    groups,
    live_event,
    new_group,
    open_streams,
    publish,
    start_live,
    timeline,
    world,
)
from tests.harness import System, bearer, eventually, refused, request_id


async def test_live_card_is_posted_then_updated_in_place_and_pushed_to_every_member(world: System) -> None:
    org = await world.create_org(members=3)
    host = org.member_ids[0]
    group = await new_group(world, org, host, [org.admin_id, *org.member_ids[1:]])
    everyone = [org.admin_id, *org.member_ids]
    streams = await open_streams(world, org, everyone)

    live_id = await start_live(world, group.id, host)
    await eventually(lambda: _all(s.cards_for(live_id) for s in streams.values()), what="card on every stream")
    await publish(world, live_event(subjects.LIVE_SESSION_ENDED, live_id, group.id, host))
    await eventually(lambda: _all(len(s.cards_for(live_id)) == 2 for s in streams.values()), what="card update")

    for stream in streams.values():
        posted, updated = stream.cards_for(live_id)
        assert (posted.card.state, updated.card.state) == (gpb.CARD_STATE_LIVE, gpb.CARD_STATE_ENDED)
        assert posted.card.id == updated.card.id and updated.card.version == posted.card.version + 1
    items = await card_items(world, org.tokens[org.admin_id], group.id)
    assert len(items) == 1, "the card is updated in place, not posted again"
    assert items[0].card.state == gpb.CARD_STATE_ENDED and items[0].sender_id == host
    await close_streams(streams)


async def test_a_card_is_a_chat_entry_on_every_stream_that_counts_but_never_alerts(world: System) -> None:
    """A posted card's entry reaches every member's stream once, after the messages before it and
    as the timeline shows it; it counts as unread for the others but never alerts (the card's
    notification does); its host has read the chat up to it."""
    org = await world.create_org(members=2)
    host, reader = org.member_ids
    group = await new_group(world, org, host, [reader])
    made = await devices(world, org, [host, reader])
    await post(world, org.tokens[reader], group.id, "before the live")
    live_id = await start_live(world, group.id, host)

    async def both_pushed() -> bool:
        return all(len(d.pushed_entries(group.id)) == 2 for [d] in made.values())

    await eventually(both_pushed, what="the card's entry on every stream")
    await eventually(lambda: on_every(lambda d: d.state(group.id).read_sequence == 2, made[host][0]),
                     what="the host's devices read up to their card")
    [entry] = await card_items(world, org.tokens[reader], group.id)
    assert entry.card.subject_id == live_id and entry.sequence == 2 and entry.sender_id == host
    for [device] in made.values():
        assert device.pushed_entries(group.id) == [1, 2]
        assert device.timeline(group.id)[-1] == entry
        assert not any(alert.HasField("card") for alert in device.alerts)
    assert made[reader][0].unread(group.id) == 1
    assert (await conversation(world, org.tokens[reader], group.id)).state.unread_count == 1
    assert (await conversation(world, org.tokens[host], group.id)).state.unread_count == 0
    await eventually(lambda: on_every(lambda d: any(
        r.notification.card.subject_id == live_id for r in d.items if r.WhichOneof("event") == "notification"),
        made[reader][0]), what="the card's notification, which alerts")
    await disconnect_all(made)


async def test_ended_before_started_ends_as_ended(world: System) -> None:
    """Events out of order: "ended" arrives first, the late "started" never overwrites it."""
    org = await world.create_org(members=1)
    host = org.member_ids[0]
    group = await new_group(world, org, host, [org.admin_id])
    streams = await open_streams(world, org, [org.admin_id])
    live_id = new_id("live")

    await publish(world, live_event(subjects.LIVE_SESSION_ENDED, live_id, group.id, host))
    await eventually(lambda: _true(streams[org.admin_id].cards_for(live_id)), what="ended card")
    await publish(world, live_event(subjects.LIVE_SESSION_STARTED, live_id, group.id, host))
    await _settle()

    items = await card_items(world, org.tokens[host], group.id)
    assert [i.card.state for i in items] == [gpb.CARD_STATE_ENDED]
    assert [n.card.state for n in streams[org.admin_id].cards_for(live_id)] == [gpb.CARD_STATE_ENDED]
    await close_streams(streams)


async def test_redelivered_event_makes_no_duplicate_card(world: System) -> None:
    """SPEC F-42: the same event delivered twice, and the same fact told by a second event, make
    one card and one notification per member."""
    org = await world.create_org(members=2)
    host = org.member_ids[0]
    group = await new_group(world, org, host, [org.admin_id, org.member_ids[1]])
    streams = await open_streams(world, org, [org.admin_id, org.member_ids[1]])
    live_id = new_id("live")
    started = live_event(subjects.LIVE_SESSION_STARTED, live_id, group.id, host)

    await publish(world, started)
    await publish(world, started, again=True)  # redelivered: same event id, a new stream message
    await publish(world, live_event(subjects.LIVE_SESSION_STARTED, live_id, group.id, host))  # same fact again
    await eventually(lambda: _all(s.cards_for(live_id) for s in streams.values()), what="card")
    await _settle()

    assert len(await card_items(world, org.tokens[host], group.id)) == 1
    for stream in streams.values():
        assert len(stream.cards_for(live_id)) == 1
    await close_streams(streams)


async def test_text_messages_and_cards_share_one_ordered_paginated_timeline(world: System) -> None:
    org = await world.create_org(members=1)
    author = org.member_ids[0]
    group = await new_group(world, org, author, [org.admin_id])
    token = org.tokens[author]
    posted = []
    for text in ("hello", "agenda attached"):
        reply = await groups(world).PostMessage(gpb.PostMessageRequest(
            request_id=request_id(), group_id=group.id, text=text), metadata=bearer(token))
        posted.append(reply.item)
    live_id = await start_live(world, group.id, author)
    await eventually(lambda: _has_cards(world, token, group.id, 1), what="card in the timeline")
    repeat = gpb.PostMessageRequest(request_id="same-message", group_id=group.id, text="thanks")
    first = await groups(world).PostMessage(repeat, metadata=bearer(token))
    again = await groups(world).PostMessage(repeat, metadata=bearer(token))
    assert again.item.id == first.item.id, "a repeated request_id posts once"

    page1 = await timeline(world, org.tokens[org.admin_id], group.id, page_size=2)
    page2 = await timeline(world, org.tokens[org.admin_id], group.id, page_size=2,
                           page_token=page1.next_page_token)
    items = [*page1.items, *page2.items]
    assert page1.next_page_token and not page2.next_page_token
    assert [i.text or i.card.subject_id for i in items] == ["thanks", live_id, "agenda attached", "hello"]
    sequences = [i.sequence for i in items]
    assert sequences == sorted(sequences, reverse=True) and len(set(sequences)) == 4
    assert posted[0].sender_id == author


async def test_only_members_read_the_timeline(world: System) -> None:
    org = await world.create_org(members=2)
    group = await new_group(world, org, org.member_ids[0], [org.admin_id])
    outsider = org.tokens[org.member_ids[1]]
    assert await refused(timeline(world, outsider, group.id)) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_GROUP_MEMBER")
    assert await refused(timeline(world, outsider, new_id("group"))) == (grpc.StatusCode.NOT_FOUND, "GROUP_NOT_FOUND")
    assert await refused(timeline(world, org.tokens[org.admin_id], group.id, page_token="bogus")) == (
        grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PAGE_TOKEN")
    assert await refused(groups(world).PostMessage(gpb.PostMessageRequest(
        request_id=request_id(), group_id=group.id, text="let me in"), metadata=bearer(outsider))) == (
        grpc.StatusCode.PERMISSION_DENIED, "NOT_GROUP_MEMBER")
    assert list((await timeline(world, org.tokens[org.admin_id], group.id)).items) == []


async def _has_cards(system: System, token: str, group_id: str, count: int) -> bool:
    return len(await card_items(system, token, group_id)) == count


async def _all(values: object) -> bool:
    return all(values)


async def _true(value: object) -> bool:
    return bool(value)


async def _settle() -> None:
    """Time for a wrong second card or a backward update to travel, had one been made."""
    await asyncio.sleep(0.7)
