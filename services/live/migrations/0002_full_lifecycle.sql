-- The whole life of a live (SPEC F-20..F-28).
ALTER TABLE lives
    ADD COLUMN scheduled_start_at timestamptz,
    ADD COLUMN reminder_lead_s    integer NOT NULL DEFAULT 0,
    ADD COLUMN end_reason         smallint NOT NULL DEFAULT 0,
    ADD COLUMN end_note           text NOT NULL DEFAULT '',
    ADD COLUMN ended_by           text NOT NULL DEFAULT '',
    -- Sampled by the viewer sweeper and at the end.
    ADD COLUMN peak_viewers       integer NOT NULL DEFAULT 0;

-- One row per viewer of a live: watch time is the sum of closed sessions plus the open one.
CREATE TABLE viewers (
    live_id          text NOT NULL REFERENCES lives (id),
    viewer_id        text NOT NULL,
    employee         boolean NOT NULL,
    share_id         text NOT NULL DEFAULT '',
    first_join_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at     timestamptz NOT NULL DEFAULT now(),
    -- Start of the open watch session; NULL when the viewer is not watching.
    session_start_at timestamptz DEFAULT now(),
    watch_seconds    double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (live_id, viewer_id)
);
CREATE INDEX viewers_watching ON viewers (live_id) WHERE session_start_at IS NOT NULL;

-- Share links handed out (SPEC F-24); viewers.share_id counts what each brought.
CREATE TABLE shares (
    share_id   text PRIMARY KEY,
    live_id    text NOT NULL REFERENCES lives (id),
    sharer_id  text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shares_by_live ON shares (live_id, created_at);

-- Members who asked to be reminded of a scheduled live.
CREATE TABLE reminders (
    live_id text NOT NULL REFERENCES lives (id),
    user_id text NOT NULL,
    PRIMARY KEY (live_id, user_id)
);

-- Publish grants the media server checks at ingest, written by the live--media-grants
-- consumer of live.v1.session.started (the "permission work" of SPEC F-28).
CREATE TABLE media_grants (
    live_id    text PRIMARY KEY REFERENCES lives (id),
    key_hash   bytea NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE replays
    ADD COLUMN url      text NOT NULL DEFAULT '',
    ADD COLUMN ready_at timestamptz;
