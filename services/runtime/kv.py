"""JetStream KV buckets every process mirrors in memory (token revocations, public keys): open
the bucket (creating it on first use), load every entry, then follow changes with a watch.

The watch is an ordered consumer of the bucket's stream subscribed here, as nats-py's KV watch
is, but with a heartbeat of WATCH_HEARTBEAT_S: the KV watch's 5 s heartbeat, two of which nats-py
lets go missing before it re-creates the consumer, left a process blind to revocations for up
to 20 s after the NATS node holding its watch was lost. A supervised watchdog sets the watch up
again should its consumer be gone or stop delivering all the same. Bucket requests time out
after KV_TIMEOUT_S (not nats-py's 5 s), so one sent while the bucket elects a leader is tried
again soon after the election rather than up to 5 s after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import api
from nats.js.errors import BucketNotFoundError, NotFoundError
from nats.js.kv import KV_DEL, KV_MARKER_REASON, KV_OP, KV_PURGE, KeyValue

from services.runtime.logs import get_logger
from services.runtime.supervisor import Loop, Supervisor

log = get_logger(__name__)

# The watch's idle heartbeat: nats-py re-creates its consumer after two missed ones.
WATCH_HEARTBEAT_S = 0.5
WATCH_CHECK_S = 2.0
KV_TIMEOUT_S = 1.0


async def open_bucket(nc: NATS, config: api.KeyValueConfig, *, timeout_s: float = 30) -> KeyValue:
    """The bucket `config` describes, created on first use; retries while a cluster elects leaders."""
    js = nc.jetstream(timeout=KV_TIMEOUT_S)
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            try:
                return await js.key_value(config.bucket)
            except BucketNotFoundError:
                return await js.create_key_value(config)
        except Exception as exc:  # no meta leader yet, or another service created it this instant
            if asyncio.get_running_loop().time() > deadline:
                raise
            log.info("waiting for a KV bucket", bucket=config.bucket, error=str(exc))
            await asyncio.sleep(0.25)


def _entry(bucket: str, msg: Msg) -> KeyValue.Entry:
    headers = msg.headers or {}
    operation = headers.get(KV_OP)
    if operation is None and headers.get(KV_MARKER_REASON):  # a server's marker: expired or removed
        operation = KV_DEL if headers[KV_MARKER_REASON] == "Remove" else KV_PURGE
    meta = msg.metadata
    return KeyValue.Entry(bucket=bucket, key=msg.subject[len(f"$KV.{bucket}."):], value=msg.data,
                          revision=meta.sequence.stream, delta=meta.num_pending, created=None,
                          operation=operation)


class Mirror:
    """A bucket's entries in memory: `follow` loads them all (before the process reports
    SERVING), then a watch applies each change; subclasses say what an entry means (`_apply`)."""

    def __init__(self) -> None:
        self._kv: KeyValue | None = None
        self._nc: NATS | None = None
        self._subscription: Any = None
        self._supervisor: Supervisor | None = None
        self._loop: Loop | None = None
        # Times the watch was set up again because it had stalled.
        self.rewatches = 0

    async def follow(self, kv: KeyValue, nc: NATS, *, name: str, supervisor: Supervisor | None = None,
                     timeout_s: float = 30) -> None:
        self._kv, self._nc = kv, nc
        await self._watch(timeout_s)
        self._supervisor = supervisor or Supervisor()
        self._loop = self._supervisor.start(name, self._keep_watching)

    async def stop(self) -> None:
        if self._loop is not None and self._supervisor is not None:
            await self._supervisor.stop(self._loop)
        old, self._subscription = self._subscription, None
        await _unsubscribe(old)

    async def _watch(self, timeout_s: float) -> None:
        """Subscribe to the last entry of every key; returns once what is there is applied."""
        assert self._kv is not None and self._nc is not None
        bucket = self._kv._name
        caught_up = asyncio.Event()
        applied = 0  # the stream sequence of the last entry applied

        async def on_entry(msg: Msg) -> None:
            nonlocal applied
            self._apply(_entry(bucket, msg))
            applied = msg.metadata.sequence.stream
            if msg.metadata.num_pending == 0:
                caught_up.set()

        subscription = await self._nc.jetstream().subscribe(
            f"$KV.{bucket}.>", stream=f"KV_{bucket}", cb=on_entry, ordered_consumer=True,
            idle_heartbeat=WATCH_HEARTBEAT_S, deliver_policy=api.DeliverPolicy.LAST_PER_SUBJECT,
            inactive_threshold=300)
        try:
            deadline = time.monotonic() + timeout_s
            while not caught_up.is_set():
                # The server is asked too: an empty bucket delivers nothing, and an entry may expire
                # before it is delivered. (The subscription's own count is no help: heartbeats count.)
                info = await subscription.consumer_info()
                delivered = info.delivered.stream_seq if info.delivered is not None else 0
                if info.num_pending == 0 and delivered <= applied:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"KV bucket {bucket} not loaded after {timeout_s} s")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(caught_up.wait(), min(WATCH_HEARTBEAT_S, remaining))
        except BaseException:
            await _unsubscribe(subscription)
            raise
        old, self._subscription = self._subscription, subscription
        await _unsubscribe(old)

    async def _keep_watching(self, loop: Loop) -> None:
        """Supervised watchdog: the watch's consumer must exist and be caught up. nats-py
        re-creates a lost ordered consumer itself; should that fail, or the consumer stop
        delivering, the watch is set up again (everything reloaded) after WATCH_CHECK_S twice."""
        behind = 0
        while True:
            await asyncio.sleep(WATCH_CHECK_S)
            try:
                stalled = (await self._subscription.consumer_info()).num_pending > 0
            except NotFoundError:
                stalled = True
            behind = behind + 1 if stalled else 0
            if behind >= 2:
                self.rewatches += 1
                log.warning("KV watch stalled; watching again", bucket=self._kv._name if self._kv else "")
                await self._watch(timeout_s=10)
                behind = 0
            loop.healthy()

    def _apply(self, entry: KeyValue.Entry) -> None:
        raise NotImplementedError


async def _unsubscribe(subscription: Any) -> None:
    if subscription is not None:
        try:
            await subscription.unsubscribe()
        except Exception:
            pass
