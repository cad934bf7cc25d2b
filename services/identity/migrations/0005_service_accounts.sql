-- Service principals with credentials of their own (SPEC F-05): a back end gets a `svc_` token
-- only with its own secret. The first one (the operator) can be given by configuration
-- (IDENTITY_BOOTSTRAP_SERVICE_ACCOUNT); the platform creates more (CreateServiceAccount).
CREATE TABLE service_accounts (
    id           text PRIMARY KEY,
    display_name text NOT NULL,
    -- SHA-256 of the secret; the secret itself is shown once and never stored.
    secret_hash  bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
