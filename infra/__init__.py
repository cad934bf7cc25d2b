"""Local infrastructure for Convene: embedded NATS / PostgreSQL and the process launcher."""
