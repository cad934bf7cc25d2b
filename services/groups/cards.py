"""Cards that only ever move forward (SPEC F-12), and the CardChanged events that push them.

A card's state belongs to its subject (the live or meeting), not to one group: the original
card and every forwarded copy read it from `card_subjects`, so a forward always shows the
current state (F-13). When a subject moves forward, every group showing it gets a
`groups.v1.card.updated` for its members; a group that did not show it yet gets the card posted.
"""

from __future__ import annotations

import asyncpg

from convene.events.v1.envelope_pb2 import Envelope
from convene.groups.v1 import events_pb2
from convene.groups.v1 import groups_pb2 as pb
from services.groups import card_store, chat, chat_store, store
from services.groups.chat_store import CARD, NewEntry
from services.runtime import subjects
from services.runtime.db import Connection
from services.runtime.events import Event, new_envelope
from services.runtime.ids import new_id
from services.runtime.outbox import add_event, add_events

# A subject's state only moves forward along this order.
CARD_RANK: dict[int, int] = {
    pb.CARD_STATE_SCHEDULED: 1,
    pb.CARD_STATE_LIVE: 2,
    pb.CARD_STATE_ENDED: 3,
    pb.CARD_STATE_REPLAY_READY: 4,
    pb.CARD_STATE_REPLAY_DELETED: 5,
}


async def show(conn: Connection, event: Event | None, *, group_id: str, subject_id: str, kind: int,
               state: int, title: str, author_id: str, details: pb.CardDetails | None = None) -> None:
    """Post a card for `subject_id` into the group, or move the subject forward; events may come
    late, twice or out of order: a subject never moves backwards ("ended" then a late "started"
    stays ended), and a group holds one card per subject."""
    correlation_id = event.envelope.correlation_id if event is not None else subject_id
    subject = await card_store.upsert_subject(conn, subject_id, kind, state, CARD_RANK[state], title, author_id,
                                              details)
    moved = subject
    posted_card_id = None
    group = await store.group_with_members(conn, group_id)
    if group is not None:
        card_id = new_id("card")
        if await card_store.insert_card(conn, card_id, group_id, subject_id):
            shown = subject or await card_store.get_subject(conn, subject_id)
            assert shown is not None, "the subject was written above"
            await post_entry(conn, group, card_store.card_from_row(card_id, shown), author_id,
                             correlation_id=correlation_id)
            posted_card_id = card_id
    if moved is not None and not moved["inserted"]:  # a new subject has no other cards yet
        for placement in await card_store.placements(conn, subject_id, except_card_id=posted_card_id):
            await emit(conn, subjects.GROUPS_CARD_UPDATED, card_store.card_from_row(placement["card_id"], moved),
                       group=placement, item_id=placement["item_id"], correlation_id=correlation_id)


async def post_entry(conn: Connection, group: asyncpg.Record, card: pb.Card, sender_id: str, *,
                     correlation_id: str, forward_id: str | None = None) -> pb.TimelineItem:
    """The card's entry at the end of the group's chat, announced once: its card.posted carries
    the entry for the members' streams and the card for their notifications, with the members
    already read (`group` as card_changed takes it); the sender has read the chat up to it."""
    appended = await chat_store.append(conn, group["group_id"], NewEntry(
        item_id=new_id("message"), sender_id=sender_id, kind=CARD, card_id=card.id, forward_id=forward_id))
    item = chat_store.new_card_item(appended, sender_id, card, forward_id)
    posted = card_changed(subjects.GROUPS_CARD_POSTED, card, group=group, item_id=item.id,
                          correlation_id=correlation_id, item=item)
    await add_events(conn, [posted, *await chat.read_own_entry(conn, group["group_id"], sender_id, appended)])
    return item


async def emit(conn: Connection, change: str, card: pb.Card, *, group: asyncpg.Record, item_id: str,
               correlation_id: str) -> None:
    """Queue the CardChanged that notifications fans out to the group's members at this moment."""
    await add_event(conn, card_changed(change, card, group=group, item_id=item_id, correlation_id=correlation_id))


def card_changed(change: str, card: pb.Card, *, group: asyncpg.Record, item_id: str, correlation_id: str,
                 item: pb.TimelineItem | None = None) -> Envelope:
    """The CardChanged event for the group's members at this moment. `group` holds group_id,
    name, enterprise_id and member_ids; `item`: the entry a posted card makes."""
    return new_envelope(
        change, subject=card.id, enterprise_id=group["enterprise_id"], correlation_id=correlation_id,
        payload=events_pb2.CardChanged(group_id=group["group_id"], group_name=group["name"], card=card, item_id=item_id,
                                       recipient_ids=group["member_ids"], item=item))
