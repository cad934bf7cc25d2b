"""Meetings' notifications: invitations, their changes and cancellations, reminders, incoming
and missed calls (SPEC F-30..F-34). Meetings asks for each through `meetings.v1.notice.requested`
(the generic path: timed reminders with a key it can move or withdraw, F-43)."""

from __future__ import annotations

from services.notifications.sources import Source

SOURCE = Source("meetings")
