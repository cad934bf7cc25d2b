CREATE TABLE lives (
    id            text PRIMARY KEY,
    group_id      text NOT NULL,
    host_id       text NOT NULL,
    enterprise_id text NOT NULL,
    title         text NOT NULL,
    description   text NOT NULL DEFAULT '',
    audience      smallint NOT NULL,
    state         smallint NOT NULL,
    allow_replay  boolean NOT NULL,
    -- Secret, bound to this live; only ever shown to the host.
    stream_key    text NOT NULL,
    started_at    timestamptz,
    ended_at      timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- One host cannot run two lives at once (preview = 2, live = 3).
CREATE UNIQUE INDEX lives_one_running_per_host ON lives (host_id) WHERE state IN (2, 3);

-- Replay preparation, written by the live--replay-prep consumer.
CREATE TABLE replays (
    live_id     text PRIMARY KEY REFERENCES lives (id),
    state       smallint NOT NULL,
    -- The replay job runs this long after the live ends (WeCom: about 5 minutes).
    delay_s     integer NOT NULL,
    due_at      timestamptz,
    prepared_at timestamptz NOT NULL DEFAULT now()
);
