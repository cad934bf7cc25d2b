-- Identity (SPEC F-01..F-05): verification paths, soft removal listing, external contacts and service menus.

ALTER TABLE enterprises
    ADD COLUMN official_account_id text NOT NULL DEFAULT '',
    ADD COLUMN verified_at         timestamptz;

-- Listing by department in id order (ids sort by creation time).
CREATE INDEX members_enterprise_department_id ON members (enterprise_id, department, id);
CREATE INDEX members_enterprise_id ON members (enterprise_id, id);

-- A member <-> WeChat user relationship (SPEC F-03). Rows of a removed member stay until an
-- admin hands them over (F-04).
CREATE TABLE external_contacts (
    member_id      text NOT NULL REFERENCES members (id),
    wechat_user_id text NOT NULL REFERENCES wechat_users (id),
    enterprise_id  text NOT NULL REFERENCES enterprises (id),
    added_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (member_id, wechat_user_id)
);
CREATE INDEX external_contacts_wechat_user ON external_contacts (wechat_user_id, member_id);

-- The ordered service menu shown on every member's contact card (F-04).
CREATE TABLE service_menu_entries (
    enterprise_id text NOT NULL REFERENCES enterprises (id),
    position      smallint NOT NULL,
    title         text NOT NULL,
    kind          smallint NOT NULL,
    target        text NOT NULL,
    PRIMARY KEY (enterprise_id, position)
);
