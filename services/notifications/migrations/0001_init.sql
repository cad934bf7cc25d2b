-- Per-user sequence: the last number handed out. Bumped in the transaction that writes the
-- notification, so sequences have no gaps and a client can resume after the last it saw.
CREATE TABLE user_cursors (
    user_id       text PRIMARY KEY,
    last_sequence bigint NOT NULL
);

CREATE TABLE notifications (
    user_id    text NOT NULL,
    sequence   bigint NOT NULL,
    id         text NOT NULL UNIQUE,
    kind       smallint NOT NULL,
    thread_id  text NOT NULL,
    title      text NOT NULL,
    body       text NOT NULL DEFAULT '',
    group_id   text NOT NULL DEFAULT '',
    -- The serialized convene.groups.v1.Card for card notifications.
    card       bytea,
    event_id   text NOT NULL,
    read       boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, sequence),
    -- One notification per user per event, whatever redelivers it (SPEC F-42).
    UNIQUE (user_id, event_id)
);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE NOT read;
