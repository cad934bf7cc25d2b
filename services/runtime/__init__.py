"""The one runtime every Convene service uses: settings, logging, PostgreSQL, NATS, outbox,
durable consumers, tokens, the error catalog and the gRPC server builder."""
