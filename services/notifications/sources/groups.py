"""Groups' events as notifications: a card posted into a user's group, then each change of it
(live started, ended, replay ready), collapse into one inbox thread per card (SPEC F-12, F-40);
a group call rings the participants its starter chose, answering or declining on one device stops
the ringing on all of them, and those who never joined get a missed call when it ends, in the same
thread (SPEC F-14); the applicant of a red-packet cover hears the platform's review (F-50). Chat
messages are not notifications: they reach devices through the chat feed (chats.py)."""

from __future__ import annotations

from convene.groups.v1 import covers_pb2, groups_pb2
from convene.groups.v1 import events_pb2 as group_events
from convene.notifications.v1 import notice_pb2
from convene.notifications.v1 import notifications_pb2 as pb
from services.notifications.sources import Source
from services.runtime import subjects
from services.runtime.events import Event
from services.runtime.notice_text import text

# The template of a card's notice by its subject and state (texts/<locale>.toml `card.*`).
_LIVE_CARD_TEMPLATES = {
    groups_pb2.CARD_STATE_SCHEDULED: "card.live.scheduled",
    groups_pb2.CARD_STATE_LIVE: "card.live.live",
    groups_pb2.CARD_STATE_ENDED: "card.live.ended",
    groups_pb2.CARD_STATE_REPLAY_READY: "card.live.replay_ready",
    groups_pb2.CARD_STATE_REPLAY_DELETED: "card.live.replay_deleted",
}
_MEETING_CARD_TEMPLATES = {
    groups_pb2.CARD_STATE_SCHEDULED: "card.meeting.scheduled",
    groups_pb2.CARD_STATE_LIVE: "card.meeting.live",
    groups_pb2.CARD_STATE_ENDED: "card.meeting.ended",
}


def card_notices(event: Event) -> list[notice_pb2.Notice]:
    """`groups.v1.card.posted` / `.updated`: every member at that moment hears of it. The card's
    version orders its changes, so a late "live" never replaces "ended" in anyone's inbox."""
    change = event.payload(group_events.CardChanged)
    card = change.card
    templates = _MEETING_CARD_TEMPLATES if card.kind == groups_pb2.CARD_KIND_MEETING else _LIVE_CARD_TEMPLATES
    kind = (pb.NOTIFICATION_KIND_REPLAY_READY if card.state == groups_pb2.CARD_STATE_REPLAY_READY
            else pb.NOTIFICATION_KIND_CARD)
    return [notice_pb2.Notice(
        recipient_ids=change.recipient_ids, kind=kind, thread_id=card.id,
        text=text(templates.get(card.state, "card.other"), title=card.title, group_name=change.group_name),
        card=card, group_id=change.group_id, thread_version=card.version,
    )]


# Terms of the catalogs for a call's media.
_CALL_TYPES = {groups_pb2.CALL_TYPE_VOICE: "voice", groups_pb2.CALL_TYPE_VIDEO: "video"}


def call_started_notices(event: Event) -> list[notice_pb2.Notice]:
    """`groups.v1.call.started`: each chosen participant's devices ring."""
    started = event.payload(group_events.CallStarted)
    call = started.call
    return [notice_pb2.Notice(
        recipient_ids=started.ring_ids, kind=pb.NOTIFICATION_KIND_INCOMING_CALL, thread_id=call.id,
        text=text("call.incoming", call_type=_CALL_TYPES.get(call.type, "group"), group_name=started.group_name,
                  starter_id=call.starter_id, call_id=call.id),
        group_id=call.group_id, thread_version=1,
    )]


def call_ringing_stopped_notices(event: Event) -> list[notice_pb2.Notice]:
    """`groups.v1.call.ringing_stopped`: the participant answered or declined on one device;
    the change in the call's thread stops the ringing on all of them (version 2, as a missed call:
    whichever comes, a late ring never follows it)."""
    stopped = event.payload(group_events.CallRingingStopped)
    return [notice_pb2.Notice(
        recipient_ids=[stopped.participant_id], kind=pb.NOTIFICATION_KIND_RINGING_STOPPED,
        thread_id=stopped.call_id,
        text=text("call.answered" if stopped.answered else "call.declined", group_name=stopped.group_name,
                  call_id=stopped.call_id),
        group_id=stopped.group_id, thread_version=2,
    )]


def call_ended_notices(event: Event) -> list[notice_pb2.Notice]:
    """`groups.v1.call.ended`: whoever was still being rung missed it (version 2: the missed call
    replaces the ring in the thread, and a late ring never follows it)."""
    call = event.payload(group_events.CallEnded).call
    missed = [p.participant_id for p in call.participants if p.state == groups_pb2.PARTICIPANT_STATE_INVITED]
    if not missed:
        return []
    return [notice_pb2.Notice(
        recipient_ids=missed, kind=pb.NOTIFICATION_KIND_MISSED_CALL, thread_id=call.id,
        text=text("call.missed", call_type=_CALL_TYPES.get(call.type, "group"), starter_id=call.starter_id,
                  call_id=call.id),
        group_id=call.group_id, thread_version=2,
    )]


def cover_reviewed_notices(event: Event) -> list[notice_pb2.Notice]:
    """`groups.v1.cover.reviewed`: the admin who applied for a red-packet cover hears the
    platform's answer (SPEC F-50)."""
    cover = event.payload(group_events.CoverReviewed).cover
    approved = cover.state == covers_pb2.COVER_STATE_APPROVED
    return [notice_pb2.Notice(
        recipient_ids=[cover.applicant_id], kind=pb.NOTIFICATION_KIND_COVER_REVIEWED, thread_id=f"cover/{cover.id}",
        text=text("covers.approved" if approved else "covers.rejected", name=cover.name, quantity=cover.quantity,
                  reason=cover.reject_reason, cover_id=cover.id),
        thread_version=1,
    )]


SOURCE = Source("groups", {
    subjects.GROUPS_CARD_POSTED: card_notices,
    subjects.GROUPS_CARD_UPDATED: card_notices,
    subjects.GROUPS_CALL_STARTED: call_started_notices,
    subjects.GROUPS_CALL_RINGING_STOPPED: call_ringing_stopped_notices,
    subjects.GROUPS_CALL_ENDED: call_ended_notices,
    subjects.GROUPS_COVER_REVIEWED: cover_reviewed_notices,
})
