"""Which failures mean "a dependency cannot be reached right now" rather than "this is refused".

The difference decides what happens next, everywhere in the runtime:
- an RPC answers UNAVAILABLE / DEPENDENCY_UNAVAILABLE with a retry hint, not INTERNAL;
- a consumer keeps the event and waits for the dependency, spending none of its refusals;
- a background loop backs off and reports its dependency lost, once, rather than crashing;
- a long call (a notifications stream) waits through a short outage (`through_outage`).

asyncpg raises a dozen types when PostgreSQL restarts (connection refused or reset, "the
database system is starting up", "terminating connection due to administrator command", and
`InternalClientError: cannot switch to state 15` from a transaction whose connection died under
it); nats-py raises its own when NATS is away. All of them are named here, once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
import nats.errors
import nats.js.errors

from services.runtime.errors import DomainError
from services.runtime.events import PoisonEvent

T = TypeVar("T")

POSTGRESQL = "postgresql"
NATS = "nats"
DEPENDENCY_UNAVAILABLE = "DEPENDENCY_UNAVAILABLE"

_POSTGRES_FAILURES: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # connection lost, refused by the server, does not exist
    asyncpg.InterfaceError,  # "the underlying connection is closed", released mid-call
    asyncpg.InternalClientError,  # protocol state broken by a connection lost mid-operation
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up, admin shutdown
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections, disk full
)
# JetStream API answers that mean "not now" (no leader, no responders behind the API).
_JETSTREAM_FAILURES = (nats.js.errors.ServiceUnavailableError, nats.js.errors.ServerError,
                       nats.js.errors.NoStreamResponseError, nats.js.errors.FetchTimeoutError)


def _own_dependency(exc: BaseException) -> str | None:
    if isinstance(exc, DomainError):
        return exc.metadata.get("dependency", NATS) if exc.reason == DEPENDENCY_UNAVAILABLE else None
    if isinstance(exc, nats.js.errors.APIError):
        # Checked before nats.errors.Error: a JetStream refusal (bad request, not found) is not
        # an outage.
        return NATS if isinstance(exc, _JETSTREAM_FAILURES) else None
    if isinstance(exc, nats.errors.Error):
        return NATS
    if isinstance(exc, _POSTGRES_FAILURES):
        return POSTGRESQL
    if isinstance(exc, OSError):
        # Refused, reset or timed-out sockets. nats-py wraps its own in nats.errors (above), so
        # a bare one comes from asyncpg connecting or from a pool acquire that timed out.
        return POSTGRESQL
    return None


def unavailable_dependency(exc: BaseException) -> str | None:
    """The dependency (`POSTGRESQL`, `NATS`) that `exc` says is unreachable, or None when `exc`
    is any other failure. Follows the exception's cause and context: asyncpg raises a second
    error while cleaning up after a lost connection."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 5:
        dependency = _own_dependency(current)
        if dependency is not None or isinstance(current, (DomainError, PoisonEvent)):
            return dependency  # a deliberate refusal is one, whatever it was raised from
        current = current.__cause__ or current.__context__
        seen += 1
    return None


def describe(exc: BaseException) -> str:
    """`Type: message`, for logs and health reports."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def through_outage(work: Callable[[], Awaitable[T]], *, hold_s: float) -> T:
    """`work()`, tried again with back-off (0.1 s doubling to 1 s) while it fails because a
    dependency is unreachable, for up to `hold_s`; then, or on any other failure, it raises."""
    deadline = time.monotonic() + hold_s
    delay = 0.1
    while True:
        try:
            return await work()
        except Exception as exc:
            if unavailable_dependency(exc) is None or time.monotonic() + delay > deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)
