-- Wrong secrets given to CreateToken, counted per window for the enterprise or service account
-- named and for the calling address (tokens.py CredentialThrottle), shared by identity replicas.
CREATE TABLE credential_failures (
    key            text PRIMARY KEY,
    failures       integer NOT NULL,
    window_ends_at timestamptz NOT NULL
);
CREATE INDEX credential_failures_window ON credential_failures (window_ends_at);
