"""Notifications: every user's inbox and real-time streams, across replicas (SPEC F-40..F-43).

Where notices come from (`sources/`): one durable consumer per producing service,
`notifications--<service>`. Groups' card and call events and identity's contact handovers have
mappings here; every producer may also ask for any notice, with no code here, by writing
`<service>.v1.notice.requested` (a `convene.notifications.v1.NoticesRequested`) through its own
outbox. Live (scheduled-live reminders) and meetings (invitations, changes, cancellations,
replies, reminders, incoming / missed calls) use that path.

Delivery (`delivery.py`, `store.py`), in the consumer's transaction:
- one row per (user, dedupe key) in `notifications`: the event id (or `<event>/<index>`, or the
  producer's key and revision) makes a redelivered or doubly delivered event one notification;
- each user's row in `user_cursors` hands out the next sequence (gap-free) and is locked while
  it does, so every change of one user's inbox is serialized and the unread count kept there is
  exact;
- a notice to more than NOTIFICATIONS_FANOUT_CHUNK users is split into `notifications.v1.chunk.queued`
  events (through the outbox) that the durable `notifications--fanout`, bound by every replica,
  delivers in parallel: a large fan-out is shared, and a replica killed mid-chunk only rolls
  that chunk back for another replica to redo;
- a notice with a future `deliver_time` becomes a durable timer (runtime.timers) that a later
  request with the same key moves, and a withdrawal cancels; a request with an older revision
  than one already seen changes nothing.

The inbox (`domain.py`): one entry per thread (its latest notification, ordered by
`thread_version` so a late change never replaces a newer one); the unread count is the number
of unread threads. Read marks take a sequence like notifications, so every device hears them
and a resuming stream replays them; every stream item carries the unread count as of itself.

Streams (`streams.py`, `hub.py`): the backlog after the client's last sequence from the
database, CaughtUp, then items pushed on core NATS `notifications.v1.push` by whichever replica
wrote them; a gap or a missed push is read back from the database. Each stream has a bounded
buffer: a client that falls behind gets Resync and reconnects from its last sequence.
"""
