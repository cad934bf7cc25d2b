-- Retention (runtime/retention.py) deletes rows by age in small batches. Rows arrive in time
-- order, so a BRIN index finds the old ones for a few pages of index and costs writers almost
-- nothing (a B-tree would add an index insert to every consumed event).
CREATE INDEX inbox_processed_at ON inbox USING brin (processed_at);
CREATE INDEX idempotency_created_at ON idempotency USING brin (created_at);
