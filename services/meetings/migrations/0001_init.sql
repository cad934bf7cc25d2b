CREATE TABLE meetings (
    id               text PRIMARY KEY,
    organizer_id     text NOT NULL,
    enterprise_id    text NOT NULL,
    topic            text NOT NULL,
    type             smallint NOT NULL,
    state            smallint NOT NULL,
    start_time       timestamptz NOT NULL,
    duration_minutes integer NOT NULL,
    notes            text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE meeting_participants (
    meeting_id     text NOT NULL REFERENCES meetings (id),
    participant_id text NOT NULL,
    PRIMARY KEY (meeting_id, participant_id)
);
