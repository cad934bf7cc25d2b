-- Groups (SPEC F-10..F-14): card state per subject, forwards, one-to-one chats, group calls.

-- One-to-one chats (kind 3): the two people's ids, sorted and joined by ':', one chat per pair.
ALTER TABLE groups ADD COLUMN direct_key text UNIQUE;

-- "My groups", newest first.
CREATE INDEX group_members_by_member_group ON group_members (member_id, group_id);
DROP INDEX group_members_by_member;

-- A card's state belongs to its subject (a live, a meeting): the original card and every
-- forwarded copy in other groups show the same state. state_rank only ever grows, so a late or
-- repeated event never moves a subject backwards. Figures are NULL until an event tells them.
CREATE TABLE card_subjects (
    subject_id       text PRIMARY KEY,
    kind             smallint NOT NULL,
    state            smallint NOT NULL,
    state_rank       smallint NOT NULL,
    title            text NOT NULL,
    author_id        text NOT NULL,
    start_time       timestamptz,
    duration_seconds bigint,
    total_viewers    bigint,
    peak_viewers     bigint,
    version          bigint NOT NULL DEFAULT 1,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
INSERT INTO card_subjects (subject_id, kind, state, state_rank, title, author_id, version, updated_at)
SELECT DISTINCT ON (subject_id) subject_id, kind, state, state_rank, title, author_id, version, updated_at
FROM cards ORDER BY subject_id, state_rank DESC;

-- A card is now a placement of a subject in one group (still one per group and subject).
ALTER TABLE cards
    DROP COLUMN kind, DROP COLUMN state, DROP COLUMN state_rank, DROP COLUMN title,
    DROP COLUMN author_id, DROP COLUMN version, DROP COLUMN updated_at,
    ADD CONSTRAINT cards_subject_fkey FOREIGN KEY (subject_id) REFERENCES card_subjects (subject_id),
    -- The forward that brought the card into this group (NULL for the original).
    ADD COLUMN forward_id text,
    ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
-- Fan-out of a subject's change to every group showing it.
CREATE INDEX cards_by_subject ON cards (subject_id);

ALTER TABLE timeline_items ADD COLUMN forward_id text;
CREATE INDEX timeline_items_by_card ON timeline_items (card_id) WHERE card_id IS NOT NULL;

-- Forwards (SPEC F-13): who forwarded which card from where to where; the id is the share id.
CREATE TABLE forwards (
    id                text PRIMARY KEY,
    card_id           text NOT NULL REFERENCES cards (id),
    subject_id        text NOT NULL REFERENCES card_subjects (subject_id),
    sharer_id         text NOT NULL,
    from_group_id     text NOT NULL REFERENCES groups (id),
    target            smallint NOT NULL,
    target_group_id   text REFERENCES groups (id),
    parent_forward_id text REFERENCES forwards (id),
    viewer_count      bigint NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX forwards_by_subject ON forwards (subject_id, id);

-- Distinct viewers each forward brought (from live's join events).
CREATE TABLE forward_viewers (
    forward_id text NOT NULL REFERENCES forwards (id),
    viewer_id  text NOT NULL,
    joined_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (forward_id, viewer_id)
);

-- Group calls (SPEC F-14).
CREATE TABLE calls (
    id         text PRIMARY KEY,
    group_id   text NOT NULL REFERENCES groups (id),
    type       smallint NOT NULL,
    state      smallint NOT NULL,
    starter_id text NOT NULL,
    meeting_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    ended_at   timestamptz
);
-- One open call per group (active = 1, upgrading = 2).
CREATE UNIQUE INDEX calls_one_open_per_group ON calls (group_id) WHERE state IN (1, 2);

CREATE TABLE call_participants (
    call_id        text NOT NULL REFERENCES calls (id),
    participant_id text NOT NULL,
    state          smallint NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (call_id, participant_id)
);
