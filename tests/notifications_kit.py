"""What the notifications tests and benchmark send: producers' events, built as the producers
build them, and users that identity knows."""

from __future__ import annotations

import asyncio
import datetime as dt

from convene.events.v1 import envelope_pb2
from convene.groups.v1 import events_pb2 as group_events
from convene.groups.v1 import groups_pb2
from convene.notifications.v1 import notice_pb2
from convene.notifications.v1 import notifications_pb2 as pb
from services.runtime import subjects
from services.runtime.events import new_envelope, timestamp
from services.runtime.ids import new_id
from tests.harness import System


def card_event(recipients: list[str], *, card_id: str = "", live_id: str = "", version: int = 1,
               state: int = groups_pb2.CARD_STATE_LIVE, title: str = "Quarterly all-hands",
               group_id: str = "") -> envelope_pb2.Envelope:
    """`groups.v1.card.posted` (version 1) or `groups.v1.card.updated` (later versions)."""
    card = groups_pb2.Card(id=card_id or new_id("card"), kind=groups_pb2.CARD_KIND_LIVE,
                           subject_id=live_id or new_id("live"), state=state, title=title,
                           author_id=recipients[0] if recipients else "", version=version)
    change = group_events.CardChanged(group_id=group_id or new_id("group"), group_name="launch team", card=card,
                                      item_id=new_id("message"), recipient_ids=recipients)
    event_type = subjects.GROUPS_CARD_POSTED if version == 1 else subjects.GROUPS_CARD_UPDATED
    return new_envelope(event_type, subject=card.id, payload=change)


def notice(recipients: list[str], *, kind: int = pb.NOTIFICATION_KIND_MEETING_INVITATION, title: str = "Invitation",
           body: str = "", thread_id: str = "", key: str = "", revision: int = 0,
           deliver_at: dt.datetime | None = None, thread_version: int = 0) -> notice_pb2.Notice:
    n = notice_pb2.Notice(recipient_ids=recipients, kind=kind, title=title, body=body, thread_id=thread_id,
                          key=key, revision=revision, thread_version=thread_version)
    if deliver_at is not None:
        n.deliver_time.CopyFrom(timestamp(deliver_at))
    return n


def notices_event(service: str, *notices: notice_pb2.Notice,
                  withdrawals: list[notice_pb2.NoticeWithdrawal] = ()) -> envelope_pb2.Envelope:  # type: ignore[assignment]
    """`<service>.v1.notice.requested`: the generic path any producer may use."""
    return new_envelope(subjects.notice_requested(service), subject=new_id("meeting"),
                        payload=notice_pb2.NoticesRequested(notices=notices, withdrawals=withdrawals))


async def wechat_users(system: System, count: int) -> list[tuple[str, str]]:
    """(user id, token) of `count` new WeChat users (the cheapest users identity makes)."""
    in_flight = asyncio.Semaphore(32)

    async def one() -> tuple[str, str]:
        async with in_flight:
            return await system.create_wechat_user()

    return list(await asyncio.gather(*(one() for _ in range(count))))
