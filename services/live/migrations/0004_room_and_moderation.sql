-- Interaction during a live (SPEC F-29) and its moderation (SPEC F-51). States and kinds are
-- stored as their proto enum value names, never as numbers.

-- A live's room: the sequence its events take, and its figures.
CREATE TABLE rooms (
    live_id       text PRIMARY KEY REFERENCES lives (id),
    last_sequence bigint NOT NULL DEFAULT 0,
    comment_num   bigint NOT NULL DEFAULT 0,
    like_count    bigint NOT NULL DEFAULT 0,
    mic_num       integer NOT NULL DEFAULT 0,
    -- Set by the event that ends the live: nothing is appended after it.
    closed        boolean NOT NULL DEFAULT false
);

-- Every room event, one gap-free sequence per live (the rooms row hands the numbers out).
CREATE TABLE room_events (
    live_id    text NOT NULL,
    sequence   bigint NOT NULL,
    -- The RoomEvent oneof field ('comment', 'guests_changed', ...).
    kind       text NOT NULL,
    author_id  text NOT NULL DEFAULT '',
    -- PostComment's request_id: a retry finds the comment the first call posted.
    request_id text NOT NULL DEFAULT '',
    -- convene.live.v1.RoomEvent without its sequence and time (the columns); a deleted
    -- comment's body is replaced by a Redacted one.
    body       bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    redacted   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (live_id, sequence)
);
CREATE UNIQUE INDEX room_events_request ON room_events (live_id, author_id, request_id) WHERE request_id <> '';
-- The backlog a joining viewer sees: the last comments not deleted.
CREATE INDEX room_events_comments ON room_events (live_id, sequence) WHERE kind = 'comment' AND NOT redacted;

-- What each principal did and may do in a live's room.
CREATE TABLE room_participants (
    live_id           text NOT NULL REFERENCES lives (id),
    principal_id      text NOT NULL,
    comments          bigint NOT NULL DEFAULT 0,
    -- Token bucket of the comment rate limit; NULL is a full one.
    comment_tokens    double precision,
    comment_tokens_at timestamptz NOT NULL DEFAULT now(),
    went_on_mic       boolean NOT NULL DEFAULT false,
    muted_until       timestamptz,
    removed_at        timestamptz,
    PRIMARY KEY (live_id, principal_id)
);
CREATE INDEX room_participants_removed ON room_participants (live_id) WHERE removed_at IS NOT NULL;

-- Raised hands and guests on the mic (连麦), one row per viewer and live.
CREATE TABLE guest_seats (
    live_id    text NOT NULL REFERENCES lives (id),
    viewer_id  text NOT NULL,
    -- SEAT_RAISED, SEAT_ON_MIC, or how the last raise ended (SEAT_DECLINED, SEAT_WITHDRAWN, SEAT_OFF).
    state      text NOT NULL,
    -- The guest's own stream key while on the mic: shown to the guest only, checked by hash.
    stream_key text,
    key_hash   bytea,
    -- The publish of the guest's stream a media edge holds, renewed under a lease.
    publish_id      text NOT NULL DEFAULT '',
    publish_seen_at timestamptz,
    raised_at  timestamptz,
    on_mic_at  timestamptz,
    PRIMARY KEY (live_id, viewer_id)
);
CREATE UNIQUE INDEX guest_seats_key ON guest_seats (key_hash) WHERE key_hash IS NOT NULL;

-- Who did what, when and why (SPEC F-51).
CREATE TABLE moderation_actions (
    id               text PRIMARY KEY,
    enterprise_id    text NOT NULL,
    live_id          text NOT NULL DEFAULT '',
    actor_id         text NOT NULL,
    kind             text NOT NULL,
    target_id        text NOT NULL DEFAULT '',
    comment_sequence bigint NOT NULL DEFAULT 0,
    report_id        text NOT NULL DEFAULT '',
    reason           text NOT NULL DEFAULT '',
    until            timestamptz,
    words            text[] NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX moderation_actions_by_enterprise ON moderation_actions (enterprise_id, id);
CREATE INDEX moderation_actions_by_live ON moderation_actions (live_id, id);

-- Viewers' reports of lives, for the admins of the live's enterprise.
CREATE TABLE reports (
    id              text PRIMARY KEY,
    live_id         text NOT NULL REFERENCES lives (id),
    enterprise_id   text NOT NULL,
    reporter_id     text NOT NULL,
    reason          text NOT NULL,
    note            text NOT NULL DEFAULT '',
    state           text NOT NULL DEFAULT 'REPORT_STATE_OPEN',
    created_at      timestamptz NOT NULL DEFAULT now(),
    resolved_by     text NOT NULL DEFAULT '',
    resolved_at     timestamptz,
    resolution_note text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX reports_one_open ON reports (live_id, reporter_id) WHERE state = 'REPORT_STATE_OPEN';
CREATE INDEX reports_by_enterprise ON reports (enterprise_id, state, id);

-- Each enterprise's blocked words, normalized as comments are compared (NFKC, case-folded).
CREATE TABLE blocked_words (
    enterprise_id text NOT NULL,
    word          text NOT NULL,
    added_by      text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (enterprise_id, word)
);
