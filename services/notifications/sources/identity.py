"""Identity's events as notifications: when a member leaves, each WeChat user whose contact they
were is told who their contact at the enterprise is now (SPEC F-04)."""

from __future__ import annotations

from convene.identity.v1 import events_pb2 as identity_events
from convene.notifications.v1 import notice_pb2
from convene.notifications.v1 import notifications_pb2 as pb
from services.notifications.sources import Source
from services.runtime import subjects
from services.runtime.events import Event


def handover_notices(event: Event) -> list[notice_pb2.Notice]:
    """`identity.v1.contacts.handed_over`: one handover may come as several events (one per slice
    of its WeChat users); they share a thread per handover."""
    handover = event.payload(identity_events.ContactsHandedOver)
    enterprise = handover.enterprise_name or "the enterprise"
    return [notice_pb2.Notice(
        recipient_ids=handover.wechat_user_ids, kind=pb.NOTIFICATION_KIND_CONTACT_HANDOVER,
        thread_id=f"handover/{handover.handover_id or event.id}",
        title=f"Your contact at {enterprise} is now {handover.to_display_name}",
        body=(f"{handover.from_display_name} has left {enterprise}; {handover.to_display_name} "
              f"now looks after you as your contact."),
    )]


SOURCE = Source("identity", {subjects.IDENTITY_CONTACTS_HANDED_OVER: handover_notices})
