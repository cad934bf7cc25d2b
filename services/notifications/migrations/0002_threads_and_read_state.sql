-- Inbox threads, read state and an unread count kept in step with them (SPEC F-40), timed and
-- keyed notices (F-43), and dedupe keys that let one event carry several notices (F-42).

-- The unread count is the number of unread threads; kept here, under the same row lock that
-- hands out sequences, so every stream item can carry the count as of its own sequence.
ALTER TABLE user_cursors ADD COLUMN unread_threads bigint NOT NULL DEFAULT 0;

-- What makes a notification unique for its user: the event id, `<event id>/<notice index>`, or
-- `<producer>:<key>@<revision>` for keyed notices. event_id stays the causing event (tracing).
ALTER TABLE notifications ADD COLUMN dedupe_key text;
UPDATE notifications SET dedupe_key = event_id;
ALTER TABLE notifications ALTER COLUMN dedupe_key SET NOT NULL;
ALTER TABLE notifications DROP CONSTRAINT notifications_user_id_event_id_key;
ALTER TABLE notifications ADD CONSTRAINT notifications_user_dedupe UNIQUE (user_id, dedupe_key);
ALTER TABLE notifications ADD COLUMN unread_count bigint NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN thread_version bigint NOT NULL DEFAULT 0;
-- Unread state lives on threads now.
DROP INDEX notifications_unread;
-- Nothing looks notifications up by id, and ids carry 80 random bits: an index that every
-- fan-out row paid for, for nothing.
ALTER TABLE notifications DROP CONSTRAINT notifications_id_key;

-- One inbox entry per (user, thread): its latest notification and whether it is unread.
CREATE TABLE threads (
    user_id         text NOT NULL,
    thread_id       text NOT NULL,
    latest_sequence bigint NOT NULL,
    version         bigint NOT NULL DEFAULT 0,
    unread          boolean NOT NULL,
    PRIMARY KEY (user_id, thread_id)
);
CREATE INDEX threads_newest ON threads (user_id, latest_sequence DESC);

INSERT INTO threads (user_id, thread_id, latest_sequence, unread)
SELECT user_id, thread_id, max(sequence), bool_or(NOT read) FROM notifications GROUP BY user_id, thread_id;
UPDATE user_cursors c SET unread_threads =
    (SELECT count(*) FROM threads t WHERE t.user_id = c.user_id AND t.unread);

-- Read marks share the user's sequence with notifications: a stream replays them in order.
CREATE TABLE read_marks (
    user_id        text NOT NULL,
    sequence       bigint NOT NULL,
    -- '' when every thread was marked read.
    thread_id      text NOT NULL,
    up_to_sequence bigint NOT NULL,
    unread_count   bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, sequence)
);

-- The last revision seen of each keyed notice, so a late request or withdrawal changes nothing.
CREATE TABLE notice_revisions (
    key       text PRIMARY KEY,
    revision  bigint NOT NULL,
    withdrawn boolean NOT NULL DEFAULT false
);
