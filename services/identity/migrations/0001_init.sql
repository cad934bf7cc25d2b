CREATE TABLE enterprises (
    id                  text PRIMARY KEY,
    name                text NOT NULL,
    individual          boolean NOT NULL DEFAULT false,
    verified            boolean NOT NULL DEFAULT false,
    verification_method smallint NOT NULL DEFAULT 0,
    -- SHA-256 of the API secret; the secret itself is shown once and never stored.
    api_secret_hash     bytea NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE members (
    id                 text PRIMARY KEY,
    enterprise_id      text NOT NULL REFERENCES enterprises (id),
    display_name       text NOT NULL,
    department         text NOT NULL DEFAULT '',
    role               smallint NOT NULL,
    real_name_verified boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    -- Soft removal: history keeps the name.
    removed_at         timestamptz
);
CREATE INDEX members_enterprise ON members (enterprise_id, department);

CREATE TABLE wechat_users (
    id           text PRIMARY KEY,
    display_name text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
