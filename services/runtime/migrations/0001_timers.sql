-- Durable timers: reminders, ringing time-outs, replay delays, auto-end. Scheduled, moved and
-- cancelled in the transaction of the state change they belong to; fired by a worker that
-- claims due rows with FOR UPDATE SKIP LOCKED, runs the handler and deletes the row in one
-- transaction, so a timer fires once even with several replicas and across restarts.
CREATE TABLE timers (
    key        text PRIMARY KEY,
    kind       text NOT NULL,
    due_at     timestamptz NOT NULL,
    payload    bytea NOT NULL DEFAULT '',
    attempts   integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX timers_due ON timers (due_at);
