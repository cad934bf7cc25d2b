"""JetStream KV buckets every process mirrors in memory (token revocations, public keys): open
the bucket (creating it on first use), load every entry, then follow changes with a watch."""

from __future__ import annotations

import asyncio

from nats.aio.client import Client as NATS
from nats.js import api
from nats.js.errors import BucketNotFoundError
from nats.js.kv import KeyValue

from services.runtime.logs import get_logger
from services.runtime.tasks import cancel_and_wait

log = get_logger(__name__)


async def open_bucket(nc: NATS, config: api.KeyValueConfig, *, timeout_s: float = 30) -> KeyValue:
    """The bucket `config` describes, created on first use; retries while a cluster elects leaders."""
    js = nc.jetstream()
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


class Mirror:
    """A bucket's entries in memory: `follow` loads them all (before the process reports
    SERVING), then a watch applies each change; subclasses say what an entry means (`_apply`)."""

    def __init__(self) -> None:
        self._kv: KeyValue | None = None
        self._watcher: KeyValue.KeyWatcher | None = None
        self._task: asyncio.Task | None = None

    async def follow(self, kv: KeyValue, *, name: str, timeout_s: float = 30) -> None:
        self._kv = kv
        self._watcher = await kv.watchall()
        while (entry := await self._watcher.updates(timeout=timeout_s)) is not None:
            self._apply(entry)
        self._task = asyncio.create_task(self._follow(), name=name)

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        if self._watcher is not None:
            try:
                await self._watcher.stop()
            except Exception:
                pass

    async def _follow(self) -> None:
        assert self._watcher is not None
        async for entry in self._watcher:
            if entry is not None:
                self._apply(entry)

    def _apply(self, entry: KeyValue.Entry) -> None:
        raise NotImplementedError
