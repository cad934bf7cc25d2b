"""Does identity know this user? Asked over `identity.v1.describe_principals`, many ids per
request (10,000 clients reconnecting at once make a handful of requests, not 10,000), and a
yes is remembered for a while. A no is never remembered: a user created a moment ago may
subscribe at once."""

from __future__ import annotations

import asyncio
import time

from nats.aio.client import Client as NATS

from convene.identity.v1 import authz_pb2, identity_pb2
from services.runtime import bus, subjects

# Ids per describe request (identity answers at most 5,000).
BATCH = 1000
_USERS = (identity_pb2.PRINCIPAL_KIND_MEMBER, identity_pb2.PRINCIPAL_KIND_WECHAT_USER)


class Principals:
    def __init__(self, nc: NATS, ttl_s: float) -> None:
        self._nc = nc
        self._ttl_s = ttl_s
        self._known: dict[str, float] = {}  # user id -> when the yes expires (monotonic)
        self._pending: dict[str, asyncio.Future[bool]] = {}
        self._flush: asyncio.Task | None = None

    async def is_user(self, principal_id: str) -> bool:
        """Whether identity knows `principal_id` as a member or a WeChat user. Raises Unavailable
        when identity does not answer."""
        expires = self._known.get(principal_id)
        if expires is not None and expires > time.monotonic():
            return True
        future = self._pending.get(principal_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._pending[principal_id] = future
            if self._flush is None:
                self._flush = asyncio.create_task(self._ask())
        # Shielded: one caller giving up must not cancel the answer others wait for.
        return await asyncio.shield(future)

    async def _ask(self) -> None:
        await asyncio.sleep(0)  # let the callers of this moment join the batch
        pending, self._pending, self._flush = self._pending, {}, None
        ids = list(pending)
        for start in range(0, len(ids), BATCH):
            batch = ids[start:start + BATCH]
            try:
                answer = await bus.request(
                    self._nc, subjects.IDENTITY_DESCRIBE_PRINCIPALS,
                    authz_pb2.DescribePrincipalsRequest(principal_ids=batch), authz_pb2.DescribePrincipalsResponse)
            except Exception as exc:
                for principal_id in batch:
                    _settle(pending[principal_id], exc)
                continue
            known = {info.id for info in answer.principals if info.exists and info.kind in _USERS}
            expires = time.monotonic() + self._ttl_s
            for principal_id in batch:
                if principal_id in known:
                    self._known[principal_id] = expires
                _settle(pending[principal_id], principal_id in known)
        self._forget_expired()

    def _forget_expired(self) -> None:
        if len(self._known) > 100_000:
            now = time.monotonic()
            self._known = {k: v for k, v in self._known.items() if v > now}


def _settle(future: asyncio.Future[bool], outcome: bool | BaseException) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
        future.exception()  # marks it retrieved: nobody may be waiting any more
    else:
        future.set_result(outcome)
