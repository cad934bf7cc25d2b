"""Identity's events as notifications: when a member leaves, each WeChat user whose contact they
were is told who their contact at the enterprise is now (SPEC F-04)."""

from __future__ import annotations

from convene.identity.v1 import events_pb2 as identity_events
from convene.notifications.v1 import notice_pb2
from convene.notifications.v1 import notifications_pb2 as pb
from services.notifications.sources import Source
from services.runtime import subjects
from services.runtime.events import Event
from services.runtime.notice_text import text


def handover_notices(event: Event) -> list[notice_pb2.Notice]:
    """`identity.v1.contacts.handed_over`: one handover may come as several events (one per slice
    of its WeChat users); they share a thread per handover."""
    handover = event.payload(identity_events.ContactsHandedOver)
    return [notice_pb2.Notice(
        recipient_ids=handover.wechat_user_ids, kind=pb.NOTIFICATION_KIND_CONTACT_HANDOVER,
        thread_id=f"handover/{handover.handover_id or event.id}",
        text=text("contacts.handed_over" if handover.enterprise_name else "contacts.handed_over.unnamed",
                  enterprise_name=handover.enterprise_name, from_name=handover.from_display_name,
                  to_name=handover.to_display_name),
    )]


SOURCE = Source("identity", {subjects.IDENTITY_CONTACTS_HANDED_OVER: handover_notices})
