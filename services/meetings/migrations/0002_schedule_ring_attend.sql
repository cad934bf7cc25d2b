-- Meetings in full (SPEC F-30..F-36): time zones and recurrences, replies, overrides of
-- single occurrences, runs of a meeting (sessions) with ringing and attendance, and the group
-- call a meeting was made from.

-- The first occurrence's wall-clock time in its IANA zone: what a recurrence repeats (DST-proof).
ALTER TABLE meetings ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';
ALTER TABLE meetings ADD COLUMN local_start timestamp;
UPDATE meetings SET local_start = start_time AT TIME ZONE 'UTC';
ALTER TABLE meetings ALTER COLUMN local_start SET NOT NULL;
-- RecurrenceFrequency (0: a single meeting), every N, until a local date or a count (0: none).
ALTER TABLE meetings ADD COLUMN recurrence_frequency smallint NOT NULL DEFAULT 0;
ALTER TABLE meetings ADD COLUMN recurrence_interval integer NOT NULL DEFAULT 1;
ALTER TABLE meetings ADD COLUMN recurrence_until date;
ALTER TABLE meetings ADD COLUMN recurrence_count integer NOT NULL DEFAULT 0;
ALTER TABLE meetings ADD COLUMN reminder_audience smallint NOT NULL DEFAULT 0;
ALTER TABLE meetings ADD COLUMN external boolean NOT NULL DEFAULT false;
-- Grows with every change; orders the invitees' inbox thread of the meeting.
ALTER TABLE meetings ADD COLUMN version bigint NOT NULL DEFAULT 1;
-- Grows with every reply; orders the organizer's thread of replies.
ALTER TABLE meetings ADD COLUMN replies_version bigint NOT NULL DEFAULT 0;
-- The actual start of the latest occurrence reminded of, and of the latest one held (started):
-- the next reminder and the next start are of occurrences after them.
ALTER TABLE meetings ADD COLUMN reminded_until timestamptz;
ALTER TABLE meetings ADD COLUMN held_until timestamptz;
-- The original start (its name) of the occurrence of the latest run.
ALTER TABLE meetings ADD COLUMN held_original timestamptz;
-- The latest run (session) of the meeting: 0 before the first start.
ALTER TABLE meetings ADD COLUMN session_no integer NOT NULL DEFAULT 0;
ALTER TABLE meetings ADD COLUMN started_at timestamptz;
ALTER TABLE meetings ADD COLUMN ended_at timestamptz;
-- At most one meeting per group call, however often the upgrade event arrives (F-36).
ALTER TABLE meetings ADD COLUMN source_call_id text UNIQUE;
ALTER TABLE meetings ADD COLUMN group_id text NOT NULL DEFAULT '';
ALTER TABLE meetings ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- ReplyStatus (0: no reply yet).
ALTER TABLE meeting_participants ADD COLUMN reply smallint NOT NULL DEFAULT 0;
ALTER TABLE meeting_participants ADD COLUMN replied_at timestamptz;
CREATE INDEX meeting_participants_by_person ON meeting_participants (participant_id, meeting_id);
CREATE INDEX meetings_by_organizer ON meetings (organizer_id, id);

-- One occurrence of a series edited or cancelled on its own, keyed by its original start.
CREATE TABLE occurrence_overrides (
    meeting_id       text NOT NULL REFERENCES meetings (id),
    original_start   timestamptz NOT NULL,
    start_time       timestamptz,
    duration_minutes integer,
    topic            text,
    notes            text,
    cancelled        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (meeting_id, original_start)
);

-- One run of a meeting: the single meeting's, or one occurrence of a series.
CREATE TABLE sessions (
    meeting_id       text NOT NULL REFERENCES meetings (id),
    number           integer NOT NULL,
    occurrence_start timestamptz NOT NULL,
    started_at       timestamptz NOT NULL,
    ended_at         timestamptz,
    PRIMARY KEY (meeting_id, number)
);

-- Ringing and attendance of each person in one run (the organizer and every participant).
CREATE TABLE attendees (
    meeting_id     text NOT NULL,
    session_no     integer NOT NULL,
    participant_id text NOT NULL,
    -- RingState; ring_deadline is set while RINGING.
    ring_state     smallint NOT NULL DEFAULT 0,
    ring_deadline  timestamptz,
    -- Set while in the meeting: the start of the current stay.
    present_since  timestamptz,
    first_join_at  timestamptz,
    last_leave_at  timestamptz,
    -- Closed stays only; the current one is added when read.
    total_ms       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (meeting_id, session_no, participant_id),
    FOREIGN KEY (meeting_id, session_no) REFERENCES sessions (meeting_id, number)
);
CREATE INDEX attendees_ringing ON attendees (meeting_id, ring_deadline) WHERE ring_state = 1;
