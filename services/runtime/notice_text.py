"""How producers say things in notices: a template key of the notifications service's catalogs
and its arguments (a `NotificationText`), never a sentence. The notifications service renders it
in each reader's language (services/notifications/texts.py; catalogs in
services/notifications/texts/<locale>.toml, where a new template is added).

    notice.text.CopyFrom(text("meetings.invitation", topic=meeting.topic, start_time=start,
                              time_zone=meeting.time_zone, meeting_type="video"))
"""

from __future__ import annotations

import datetime as dt

from convene.notifications.v1 import notifications_pb2 as pb


def text(template: str, *lines: pb.NotificationText, **args: object) -> pb.NotificationText:
    """A template with its arguments (times as RFC 3339 UTC, the rest as strings) and, for
    bodies of several lines, one more text per line."""
    return pb.NotificationText(template=template, args={k: _arg(v) for k, v in args.items()}, lines=list(lines))


def repeats_arg(frequency: str, interval: int = 1, until: str = "", count: int = 0) -> str:
    """A recurrence as an argument for `{name:repeats}`: `week/2/until=2027-06-30`, `day/1/count=5`,
    or `` for none (`frequency` is a term: `day`, `week`, `month`)."""
    if not frequency:
        return ""
    tail = f"/until={until}" if until else f"/count={count}" if count else ""
    return f"{frequency}/{interval}{tail}"


def _arg(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return str(value)
