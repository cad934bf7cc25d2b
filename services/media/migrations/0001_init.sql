-- Replay packaging asked for by live (live.v1.replay.requested), one row per live. Written by
-- the media--replay-jobs consumer; a packager on any edge takes it under a lease, packages the
-- recording and deletes the row in the transaction that queues its answer.
CREATE TABLE replay_jobs (
    live_id        text PRIMARY KEY,
    request        bytea NOT NULL,
    enterprise_id  text NOT NULL DEFAULT '',
    attempts       integer NOT NULL DEFAULT 0,
    lease_until    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);
