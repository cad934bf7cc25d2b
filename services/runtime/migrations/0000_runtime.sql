-- Tables the runtime keeps in every service schema.

-- Transactional outbox: written in the same transaction as the state change it announces;
-- the relay publishes each row with Nats-Msg-Id = event_id, then deletes it.
CREATE TABLE outbox (
    position    bigserial PRIMARY KEY,
    event_id    text NOT NULL UNIQUE,
    subject     text NOT NULL,
    envelope    bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- Publish attempts that failed (NATS down, no stream leader); for logs and back-off.
    attempts    integer NOT NULL DEFAULT 0,
    -- Set after a successful publish; the row is deleted right after.
    published_at timestamptz
);

-- Consumer inbox: one row per (durable consumer, event) whose effect was committed. Written in
-- the effect's transaction, so a redelivered event finds its row and has no second effect.
CREATE TABLE inbox (
    consumer     text NOT NULL,
    event_id     text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Results of create calls by request_id (AIP-155): a repeat returns the first result.
CREATE TABLE idempotency (
    principal_id text NOT NULL,
    method       text NOT NULL,
    request_id   text NOT NULL,
    response     bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal_id, method, request_id)
);
