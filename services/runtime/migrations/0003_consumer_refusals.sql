-- Refusals of an event by a durable consumer: how many times its handler failed on it for a
-- reason of its own (not an unreachable dependency). At the consumer's limit the event is set
-- aside in the dead-letter stream and the row deleted; a success deletes it too.
CREATE TABLE consumer_refusals (
    consumer   text NOT NULL,
    event_id   text NOT NULL,
    refusals   integer NOT NULL,
    last_error text NOT NULL,
    first_at   timestamptz NOT NULL DEFAULT now(),
    last_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
