"""Token revocation that every service honours without a call (SPEC F-05).

Identity writes `principal id -> revoked_at` (unix seconds) into the JetStream KV bucket
`revocations`, from a durable consumer of its own `member.removed` / `tokens.revoked` events, so
the write follows the outbox (no dual write). Every service process watches the bucket into
memory (loaded before the process reports SERVING), and the RPC guard (grpc_server.py) refuses any token
of that principal issued at or before revoked_at: UNAUTHENTICATED, reason TOKEN_REVOKED. Server
streams opened before the revocation are cut before their next message.

Bound: every running service refuses the principal's tokens within REVOCATION_BOUND_S (2 s) of
the RemoveMember / RevokeTokens call returning, while NATS has a quorum with leaders (one of
three nodes down included: the watch, runtime.kv, notices a lost node within about 2 s) and one
identity replica runs. The path is an outbox relay woken by NOTIFY, a durable consumer, one KV
put and the watch push: about 5 ms measured (p50; 17 ms the worst of 30). A revocation made
while the cluster elects a leader the lost node held (the bucket's stream, IDENTITY, the
consumer) waits for those elections too: a bare put on the bucket took 3.7-9.4 s from the loss,
a revocation 1.4-1.65x that (docs/BENCHMARKS.md). With identity or NATS down, the revocation
waits in the outbox and applies as soon as they are back. Entries expire after MAX_TTL_S: every
token issued before them has expired by then anyway.
"""

from __future__ import annotations

import time

from nats.aio.client import Client as NATS
from nats.js import api
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

from services.runtime.auth import MAX_TTL_S, Principal
from services.runtime.errors import Unauthenticated
from services.runtime.kv import Mirror, open_bucket
from services.runtime.logs import get_logger
from services.runtime.supervisor import Supervisor

log = get_logger(__name__)

BUCKET = "revocations"
REVOCATION_BOUND_S = 2.0
# For principals who can never get a token again (removed members), the revocation also covers
# tokens stamped this far ahead by a host whose clock runs fast (as auth's expiry leeway).
CLOCK_MARGIN_S = 5
# Entries outlive the longest token by a margin for clock differences.
_ENTRY_TTL_S = MAX_TTL_S + 60


async def ensure_bucket(nc: NATS, replicas: int, *, timeout_s: float = 30) -> KeyValue:
    """Open the bucket, creating it on first use."""
    return await open_bucket(nc, api.KeyValueConfig(
        bucket=BUCKET, history=1, ttl=_ENTRY_TTL_S, replicas=replicas,
        description="principal id -> tokens issued at or before this unix second are revoked"), timeout_s=timeout_s)


class Revocations(Mirror):
    """The revocations of the last MAX_TTL_S, in memory, kept current by a watch (runtime.kv)."""

    def __init__(self) -> None:
        super().__init__()
        self._revoked: dict[str, int] = {}

    def check(self, principal: Principal) -> None:
        if self.revoked(principal.id, principal.issued_at):
            raise Unauthenticated("TOKEN_REVOKED", "this token was revoked; get a new one")

    def revoked(self, principal_id: str, issued_at: int) -> bool:
        """Whether what was handed to `principal_id` at `issued_at` (a token, or a play token
        minted on one) is revoked."""
        revoked_at = self._revoked.get(principal_id)
        return revoked_at is not None and issued_at <= revoked_at

    async def start(self, nc: NATS, replicas: int, *, supervisor: Supervisor | None = None,
                    timeout_s: float = 30) -> None:
        """Load every current revocation, then follow new ones in the background."""
        await self.follow(await ensure_bucket(nc, replicas, timeout_s=timeout_s), nc, name="revocations watch",
                          supervisor=supervisor, timeout_s=timeout_s)

    def _apply(self, entry: KeyValue.Entry) -> None:
        if entry.operation in (KV_DEL, KV_PURGE):
            self._revoked.pop(entry.key, None)
            return
        try:
            self._revoked[entry.key] = int(entry.value or b"")
        except ValueError:
            log.error("unreadable revocation entry ignored", principal_id=entry.key)
        if len(self._revoked) % 1024 == 0:
            self._forget_expired()

    def _forget_expired(self) -> None:
        oldest = time.time() - _ENTRY_TTL_S
        for principal_id in [p for p, at in self._revoked.items() if at < oldest]:
            del self._revoked[principal_id]

    async def revoke(self, principal_id: str, revoked_at: int) -> None:
        """Record a revocation (identity only). Never moves an entry back in time, so a
        redelivered older event cannot shorten a later revocation."""
        assert self._kv is not None, "start() first"
        value = str(revoked_at).encode()
        while True:
            try:
                current = await self._kv.get(principal_id)
            except KeyNotFoundError:
                current = None
            try:
                if current is None:
                    await self._kv.create(principal_id, value)  # also re-creates a deleted key
                elif int(current.value or b"0") < revoked_at:
                    await self._kv.update(principal_id, value, last=current.revision)
                return
            except KeyWrongLastSequenceError:
                continue  # written concurrently: read again
