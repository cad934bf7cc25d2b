-- The service's own signing keys (runtime.keys.KeyRing), shared by its replicas and read
-- by no other service; their public halves are published in the NATS KV bucket `public-keys`.
CREATE TABLE signing_keys (
    kid         text PRIMARY KEY,
    -- The private key, PKCS#8 DER (Ed25519, or RSA-2048 for identity's token keys).
    private_key bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- From when it signs: a rotated-in key waits until every process has seen it.
    activate_at timestamptz NOT NULL
);
