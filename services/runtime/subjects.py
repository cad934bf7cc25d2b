"""The bus contract in one place: request-reply subjects (three tokens) and event subjects
(four tokens, `<service>.v1.<entity>.<past-tense-verb>`)."""

# Request-reply (core NATS), answered by the named service's queue group.
IDENTITY_AUTHORIZE = "identity.v1.authorize"
IDENTITY_DESCRIBE_PRINCIPALS = "identity.v1.describe_principals"
GROUPS_CHECK_MEMBERSHIP = "groups.v1.check_membership"
# Asked by the media edge before it accepts a publish, and while it ingests (SPEC F-52).
LIVE_AUTHORIZE_PUBLISH = "live.v1.authorize_publish"
LIVE_RENEW_PUBLISH = "live.v1.renew_publish"
# A chat's entries after a sequence, as one member sees them (notifications fills stream gaps).
GROUPS_LIST_CHAT_ITEMS = "groups.v1.list_chat_items"
# Core NATS fan-out between notifications replicas (no queue group: every replica hears it).
NOTIFICATIONS_PUSH = "notifications.v1.push"


def live_room(live_id: str) -> str:
    """Core NATS: a live's room events, heard only by the replicas holding streams of that room.
    Five tokens, so the LIVE stream (`live.v1.*.*`) never stores them."""
    return f"live.v1.room.{live_id}.push"


# Events (JetStream).
LIVE_SESSION_STARTED = "live.v1.session.started"
LIVE_SESSION_ENDED = "live.v1.session.ended"
GROUPS_GROUP_CREATED = "groups.v1.group.created"
GROUPS_CARD_POSTED = "groups.v1.card.posted"
GROUPS_CARD_UPDATED = "groups.v1.card.updated"
MEETINGS_MEETING_SCHEDULED = "meetings.v1.meeting.scheduled"

# Identity events (SPEC F-01..F-05).
IDENTITY_ENTERPRISE_CREATED = "identity.v1.enterprise.created"
IDENTITY_ENTERPRISE_VERIFIED = "identity.v1.enterprise.verified"
IDENTITY_ENTERPRISE_UNVERIFIED = "identity.v1.enterprise.unverified"
IDENTITY_MEMBER_ADDED = "identity.v1.member.added"
IDENTITY_MEMBER_UPDATED = "identity.v1.member.updated"
IDENTITY_MEMBER_VERIFIED = "identity.v1.member.verified"
IDENTITY_MEMBER_REMOVED = "identity.v1.member.removed"
IDENTITY_WECHAT_USER_CREATED = "identity.v1.wechat_user.created"
IDENTITY_CONTACT_ADDED = "identity.v1.contact.added"
IDENTITY_CONTACT_REMOVED = "identity.v1.contact.removed"
IDENTITY_CONTACTS_HANDED_OVER = "identity.v1.contacts.handed_over"
IDENTITY_TOKENS_REVOKED = "identity.v1.tokens.revoked"

# Groups (SPEC F-10..F-14).
GROUPS_MEMBERS_ADDED = "groups.v1.members.added"
GROUPS_MEMBERS_REMOVED = "groups.v1.members.removed"
GROUPS_OWNERSHIP_TRANSFERRED = "groups.v1.ownership.transferred"
GROUPS_GROUP_DISMISSED = "groups.v1.group.dismissed"
GROUPS_MESSAGE_POSTED = "groups.v1.message.posted"
GROUPS_CARD_FORWARDED = "groups.v1.card.forwarded"
GROUPS_CALL_STARTED = "groups.v1.call.started"
GROUPS_CALL_RINGING_STOPPED = "groups.v1.call.ringing_stopped"
# Consumed by meetings: make exactly one meeting of the call (F-14, F-36).
GROUPS_CALL_UPGRADED = "groups.v1.call.upgraded"
GROUPS_CALL_ENDED = "groups.v1.call.ended"
# Chat in real time (SPEC F-15): every chat entry is a message.posted; a member's read position
# or mute a chat_state.changed; read receipts of senders' messages a receipts.changed.
GROUPS_CHAT_STATE_CHANGED = "groups.v1.chat_state.changed"
GROUPS_RECEIPTS_CHANGED = "groups.v1.receipts.changed"
# Red-packet covers (SPEC F-50): the platform's review, told to the applicant.
GROUPS_COVER_REVIEWED = "groups.v1.cover.reviewed"
# Consumed by groups (payloads defined for groups' needs; meetings emits them).
MEETINGS_MEETING_STARTED = "meetings.v1.meeting.started"
MEETINGS_MEETING_ENDED = "meetings.v1.meeting.ended"
# Consumed by groups to count viewers per forward (live emits it; payload live.v1.ViewerJoined).
LIVE_VIEWER_JOINED = "live.v1.viewer.joined"
# Consumed by the media edge to stop a removed viewer's playback (payload live.v1.ViewerRemovedFromLive).
LIVE_VIEWER_REMOVED = "live.v1.viewer.removed"

# Notifications events (SPEC F-40..F-43).
# One slice of a large fan-out (or a timed notice fallen due), for `notifications--fanout`.
NOTIFICATIONS_CHUNK_QUEUED = "notifications.v1.chunk.queued"
# Any service may ask for notices with a convene.notifications.v1.NoticesRequested payload on
# `<its service>.v1.notice.requested` (its own stream, written through its own outbox).
NOTICE_REQUESTED_VERB = "notice.requested"
GROUPS_NOTICE_REQUESTED = "groups.v1.notice.requested"
IDENTITY_NOTICE_REQUESTED = "identity.v1.notice.requested"
LIVE_NOTICE_REQUESTED = "live.v1.notice.requested"
MEETINGS_NOTICE_REQUESTED = "meetings.v1.notice.requested"


def notice_requested(service: str) -> str:
    """`<service>.v1.notice.requested`: where `service` asks the notifications service for notices."""
    return f"{service}.v1.{NOTICE_REQUESTED_VERB}"

# Live (SPEC F-20..F-29).
LIVE_SESSION_SCHEDULED = "live.v1.session.scheduled"
LIVE_REPLAY_READY = "live.v1.replay.ready"
LIVE_REPLAY_DELETED = "live.v1.replay.deleted"
LIVE_AUDIENCE_CHANGED = "live.v1.audience.changed"

# Meetings (SPEC F-30..F-36): besides scheduled / started / ended above, and its notices
# (invitations, changes, reminders, incoming, missed and stopped calls) on MEETINGS_NOTICE_REQUESTED.
MEETINGS_MEETING_UPDATED = "meetings.v1.meeting.updated"
MEETINGS_MEETING_CANCELLED = "meetings.v1.meeting.cancelled"
MEETINGS_OCCURRENCE_UPDATED = "meetings.v1.occurrence.updated"

# The media plane (SPEC F-52). The edge's own events, on its MEDIA stream:
MEDIA_STREAM_PUBLISHED = "media.v1.stream.published"
MEDIA_STREAM_UNPUBLISHED = "media.v1.stream.unpublished"
MEDIA_RECORDING_FINISHED = "media.v1.recording.finished"
MEDIA_REPLAY_PACKAGED = "media.v1.replay.packaged"
MEDIA_REPLAY_FAILED = "media.v1.replay.failed"
# Live's, for the media plane: a preview's grant, and the replay job's packaging request and outcome.
LIVE_PREVIEW_OPENED = "live.v1.preview.opened"
LIVE_REPLAY_REQUESTED = "live.v1.replay.requested"
LIVE_REPLAY_FAILED = "live.v1.replay.failed"
