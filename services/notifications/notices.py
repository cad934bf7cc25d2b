"""Notices as producers send them: checked, trimmed, and given the keys that make them unique.

A producer's notice is trusted for what it says but not for its shape: an unknown kind, a missing
title or a text no catalog can render can never be delivered (the event is poison and is terminated, loudly), text that
is too long is cut, and recipient ids that are not users are left out.
"""

from __future__ import annotations

import datetime as dt

from convene.notifications.v1 import notice_pb2
from convene.notifications.v1 import notifications_pb2 as pb
from services.notifications import texts
from services.runtime.events import Event, PoisonEvent
from services.runtime.ids import is_id
from services.runtime.logs import get_logger

log = get_logger(__name__)

MAX_TITLE = 200
MAX_BODY = 2000
MAX_THREAD_ID = 200
MAX_KEY = 200
_KINDS = set(pb.NotificationKind.values()) - {pb.NOTIFICATION_KIND_UNSPECIFIED}


def checked(notice: notice_pb2.Notice, *, default_thread: str) -> notice_pb2.Notice:
    """A copy fit for delivery, or PoisonEvent when it can never be delivered."""
    if notice.kind not in _KINDS:
        raise PoisonEvent(f"notice kind {notice.kind} is not a NotificationKind")
    title, body = notice.title.strip(), notice.body
    if notice.text.template:
        # Stored in the default language; readers in another get it rendered as they read.
        try:
            title, body = texts.render(notice.text)
        except (texts.UnknownTemplate, ValueError, IndexError) as error:
            raise PoisonEvent(f"notice text {notice.text.template!r} cannot be rendered: {error!r}") from None
    if not title.strip():
        raise PoisonEvent("a notice needs a title (or a text whose template gives one)")
    if len(notice.thread_id) > MAX_THREAD_ID or len(notice.key) > MAX_KEY:
        raise PoisonEvent(f"notice thread_id and key are at most {MAX_THREAD_ID} characters")
    clean = notice_pb2.Notice()
    clean.CopyFrom(notice)
    clean.title = title.strip()[:MAX_TITLE]
    clean.body = body[:MAX_BODY]
    clean.thread_id = notice.thread_id or default_thread
    recipients = [r for r in dict.fromkeys(notice.recipient_ids) if is_id(r, "member", "wechat_user")]
    if len(recipients) != len(notice.recipient_ids):
        log.warning("notice recipients that are not users left out",
                    dropped=len(set(notice.recipient_ids)) - len(recipients))
    del clean.recipient_ids[:]
    clean.recipient_ids.extend(recipients)
    return clean


def dedupe_key(event: Event, index: int, notice: notice_pb2.Notice) -> str:
    """Unique per (user, notification) whoever delivers it: the event (and the notice's place in
    it), or for keyed notices the producer, key and revision."""
    if notice.key:
        return f"{revision_key(event, notice.key)}@{notice.revision}"
    return event.id if index == 0 else f"{event.id}/{index}"


def revision_key(event: Event, key: str) -> str:
    """Keys are unique within their producer; the producer's name makes them unique here."""
    return f"{event.envelope.source}:{key}"


def timer_key(notice_key: str) -> str:
    return f"notice:{notice_key}"


def due_time(notice: notice_pb2.Notice) -> dt.datetime | None:
    """When a timed notice is due, or None when it is due now."""
    if not notice.HasField("deliver_time"):
        return None
    due = notice.deliver_time.ToDatetime(tzinfo=dt.UTC)
    return due if due > dt.datetime.now(dt.UTC) else None
