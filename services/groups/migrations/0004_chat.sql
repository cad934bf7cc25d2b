-- Chat in real time (SPEC F-15): every entry stored once with the chat's sequence; per member a
-- read position (no row per member per message); group admins; recalls; red packets with
-- enterprise covers (SPEC F-50).

-- chat_count: how many entries so far count towards unread counts (everything but recall
-- entries); each such entry keeps that count as of itself in timeline_items.ordinal, so a
-- member's unread count is chat_count - read_ordinal, less the recalled entries after their
-- read position (few, and indexed below). last_activity_at orders the conversations list.
ALTER TABLE groups
    ADD COLUMN chat_count bigint NOT NULL DEFAULT 0,
    ADD COLUMN last_activity_at timestamptz NOT NULL DEFAULT now();

ALTER TABLE timeline_items
    ADD COLUMN kind text NOT NULL DEFAULT 'text'
        CHECK (kind IN ('text', 'card', 'red_packet', 'recall')),
    ADD COLUMN ordinal bigint,
    ADD COLUMN reply_to_sequence bigint,
    ADD COLUMN mention_ids text[] NOT NULL DEFAULT '{}',
    ADD COLUMN mention_all boolean NOT NULL DEFAULT false,
    -- Set on a recalled entry (its text is erased); recall entries name the sequence they recall.
    ADD COLUMN recalled_at timestamptz,
    ADD COLUMN recalled_by text,
    ADD COLUMN recall_of bigint;
UPDATE timeline_items SET kind = 'card' WHERE card_id IS NOT NULL;
UPDATE timeline_items t SET ordinal = o.n
FROM (SELECT id, row_number() OVER (PARTITION BY group_id ORDER BY sequence) AS n FROM timeline_items) o
WHERE o.id = t.id;
UPDATE groups g SET
    chat_count = (SELECT count(*) FROM timeline_items t WHERE t.group_id = g.id),
    last_activity_at = coalesce((SELECT max(t.created_at) FROM timeline_items t WHERE t.group_id = g.id), g.created_at);
-- Mention markers: "an entry after my read position mentions me (or all)".
CREATE INDEX timeline_items_mentions ON timeline_items USING gin (mention_ids) WHERE mention_ids <> '{}';
CREATE INDEX timeline_items_mention_all ON timeline_items (group_id, sequence) WHERE mention_all;
-- Recalled entries that had counted (unread counts leave them out).
CREATE INDEX timeline_items_recalled ON timeline_items (group_id, sequence)
    WHERE recalled_at IS NOT NULL AND ordinal IS NOT NULL;

-- Per member and chat: the read position every device shares (read_ordinal is the chat_count
-- as of it), the sequence at which they joined (receipts count the members a message was sent
-- to), the read position the last receipts update saw, do-not-disturb, and a version that grows
-- with every change of this state. Existing members start with everything read.
ALTER TABLE group_members
    ADD COLUMN is_admin boolean NOT NULL DEFAULT false,
    ADD COLUMN joined_sequence bigint NOT NULL DEFAULT 0,
    ADD COLUMN read_sequence bigint NOT NULL DEFAULT 0,
    ADD COLUMN read_ordinal bigint NOT NULL DEFAULT 0,
    ADD COLUMN receipted_sequence bigint NOT NULL DEFAULT 0,
    ADD COLUMN muted boolean NOT NULL DEFAULT false,
    ADD COLUMN state_version bigint NOT NULL DEFAULT 0;
UPDATE group_members m SET read_sequence = g.last_sequence, read_ordinal = g.chat_count,
    receipted_sequence = g.last_sequence
FROM groups g WHERE g.id = m.group_id;
-- Receipts: members at or past a sequence.
CREATE INDEX group_members_read ON group_members (group_id, read_sequence);

-- When a chat's receipts were last pushed and how many times (the version senders keep).
CREATE TABLE chat_receipts (
    group_id   text PRIMARY KEY REFERENCES groups (id),
    version    bigint NOT NULL DEFAULT 0,
    flushed_at timestamptz NOT NULL DEFAULT now()
);

-- Enterprises as identity announces them (a read model): covers carry the name, and only
-- verified enterprises apply.
CREATE TABLE enterprises (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    verified   boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Red-packet covers (SPEC F-50): applied for by an enterprise's admin, reviewed by the platform;
-- used_count grows in the transaction of each red packet that carries it, never past quantity.
CREATE TABLE covers (
    id              text PRIMARY KEY,
    enterprise_id   text NOT NULL,
    enterprise_name text NOT NULL,
    name            text NOT NULL,
    image_ref       text NOT NULL,
    quantity        bigint NOT NULL CHECK (quantity > 0),
    used_count      bigint NOT NULL DEFAULT 0,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    reject_reason   text NOT NULL DEFAULT '',
    applicant_id    text NOT NULL,
    reviewer_id     text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    reviewed_at     timestamptz,
    CHECK (used_count <= quantity)
);
CREATE INDEX covers_by_enterprise ON covers (enterprise_id, id);
CREATE INDEX covers_by_state ON covers (state, id);

-- Red packets: one per red_packet entry; each share claimed once by a different recipient.
CREATE TABLE red_packets (
    item_id        text PRIMARY KEY REFERENCES timeline_items (id),
    amount_fen     bigint NOT NULL CHECK (amount_fen > 0),
    shares         integer NOT NULL CHECK (shares > 0),
    greeting       text NOT NULL DEFAULT '',
    cover_id       text REFERENCES covers (id),
    claimed_shares integer NOT NULL DEFAULT 0,
    claimed_fen    bigint NOT NULL DEFAULT 0,
    CHECK (claimed_shares <= shares AND claimed_fen <= amount_fen)
);

CREATE TABLE red_packet_claims (
    item_id    text NOT NULL REFERENCES red_packets (item_id),
    claimer_id text NOT NULL,
    amount_fen bigint NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, claimer_id)
);
