CREATE TABLE groups (
    id            text PRIMARY KEY,
    name          text NOT NULL,
    kind          smallint NOT NULL,
    enterprise_id text NOT NULL,
    owner_id      text NOT NULL,
    -- Last timeline sequence handed out; bumped under the row lock, so positions never collide.
    last_sequence bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    dismissed_at  timestamptz
);

CREATE TABLE group_members (
    group_id  text NOT NULL REFERENCES groups (id),
    member_id text NOT NULL,
    joined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_members_by_member ON group_members (member_id);

-- Cards: one per (group, subject), updated in place; state_rank only ever grows.
CREATE TABLE cards (
    id         text PRIMARY KEY,
    group_id   text NOT NULL REFERENCES groups (id),
    subject_id text NOT NULL,
    kind       smallint NOT NULL,
    state      smallint NOT NULL,
    state_rank smallint NOT NULL,
    title      text NOT NULL,
    author_id  text NOT NULL,
    version    bigint NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (group_id, subject_id)
);

CREATE TABLE timeline_items (
    id         text PRIMARY KEY,
    group_id   text NOT NULL REFERENCES groups (id),
    sequence   bigint NOT NULL,
    sender_id  text NOT NULL,
    text       text,
    card_id    text REFERENCES cards (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (group_id, sequence)
);
