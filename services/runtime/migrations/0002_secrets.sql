-- Secrets a service keeps to itself, shared by its replicas through its own schema: the key
-- of its page tokens and of the claims only it signs and reads (group invitations). Created on
-- first start (runtime.db.service_secret), never handed to another service.
CREATE TABLE service_secrets (
    name       text PRIMARY KEY,
    secret     bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
