"""The bus contract in one place: request-reply subjects (three tokens) and event subjects
(four tokens, `<service>.v1.<entity>.<past-tense-verb>`)."""

# Request-reply (core NATS), answered by the named service's queue group.
IDENTITY_AUTHORIZE = "identity.v1.authorize"
IDENTITY_DESCRIBE_PRINCIPALS = "identity.v1.describe_principals"
GROUPS_CHECK_MEMBERSHIP = "groups.v1.check_membership"
# Core NATS fan-out between notifications replicas (no queue group: every replica hears it).
NOTIFICATIONS_PUSH = "notifications.v1.push"

# Events (JetStream).
LIVE_SESSION_STARTED = "live.v1.session.started"
LIVE_SESSION_ENDED = "live.v1.session.ended"
GROUPS_GROUP_CREATED = "groups.v1.group.created"
GROUPS_CARD_POSTED = "groups.v1.card.posted"
GROUPS_CARD_UPDATED = "groups.v1.card.updated"
MEETINGS_MEETING_SCHEDULED = "meetings.v1.meeting.scheduled"
