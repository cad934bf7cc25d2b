"""Throttled secret guessing: wrong secrets given to CreateToken are counted, per window, for the
enterprise (or service account) they were meant for and for the address they came from. Past the
limit of either, every attempt with that key is refused (RESOURCE_EXHAUSTED, reason
CREDENTIALS_THROTTLED, a google.rpc.RetryInfo saying when the window ends) before the secret is
looked at, so guessing goes no faster than the limit however many requests arrive. The counts
live in identity's schema: every replica sees the same ones.
"""

from __future__ import annotations

import datetime as dt
import random

from services.runtime.db import Connection
from services.runtime.errors import ResourceExhausted
from services.runtime.grpc_server import peer_host


def caller_key(peer: str) -> str:
    """The calling address (without the port) as a throttle key."""
    return f"caller:{peer_host(peer)}"


class CredentialThrottle:
    def __init__(self, *, per_subject: int, per_caller: int, window_s: float) -> None:
        self._limits = {"subject": per_subject, "caller": per_caller}
        self._window = dt.timedelta(seconds=window_s)

    def _limit(self, key: str) -> int:
        return self._limits["caller" if key.startswith("caller:") else "subject"]

    async def check(self, conn: Connection, keys: list[str]) -> None:
        """Refuse when any of `keys` used up its wrong secrets for the current window."""
        rows = await conn.fetch(
            "SELECT key, failures, window_ends_at - now() AS left FROM credential_failures"
            " WHERE key = ANY($1::text[]) AND window_ends_at > now()", keys)
        blocked = [row for row in rows if row["failures"] >= self._limit(row["key"])]
        if blocked:
            wait = max(row["left"] for row in blocked).total_seconds()
            raise ResourceExhausted("CREDENTIALS_THROTTLED", "too many wrong secrets; try again later",
                                    retry_after_s=max(wait, 1.0))

    async def failed(self, conn: Connection, keys: list[str]) -> None:
        """Count one wrong secret against each of `keys` (committed at once, whatever follows)."""
        await conn.execute(
            "INSERT INTO credential_failures (key, failures, window_ends_at) SELECT k, 1, now() + $2"
            " FROM unnest($1::text[]) AS k ON CONFLICT (key) DO UPDATE SET"
            " failures = CASE WHEN credential_failures.window_ends_at > now()"
            "  THEN credential_failures.failures + 1 ELSE 1 END,"
            " window_ends_at = CASE WHEN credential_failures.window_ends_at > now()"
            "  THEN credential_failures.window_ends_at ELSE now() + $2 END", keys, self._window)
        if random.random() < 0.01:  # now and then, forget windows long over
            await conn.execute("DELETE FROM credential_failures WHERE window_ends_at < now() - interval '1 hour'")
