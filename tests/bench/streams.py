"""Open notification streams for many users from several child processes (see stream_holder)."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import defaultdict

PER_PROCESS = 500


async def spawn_holders(module: str, order: dict, users: list[tuple[str, str]], *,
                        per_process: int = PER_PROCESS) -> list[asyncio.subprocess.Process]:
    """Child processes `python -m <module>` holding streams for `users` ((user_id, token)), at
    most `per_process` each; each reads `order` plus its share of the users as one JSON line."""
    procs = []
    for start in range(0, len(users), per_process):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=16 * 1024 * 1024)  # a batch of arrivals is one line
        assert proc.stdin is not None
        proc.stdin.write((json.dumps({**order, "users": users[start:start + per_process]}) + "\n").encode())
        await proc.stdin.drain()
        procs.append(proc)
    return procs


class StreamFleet:
    """Streams for `users` ({user_id: token}); records when each user first saw each subject."""

    def __init__(self, address: str, users: dict[str, str], *, per_process: int = PER_PROCESS,
                 chat: dict | None = None) -> None:
        """`chat`: what stream_holder's members do in chats (read as they receive, watch receipts)."""
        self._address = address
        self._users = list(users.items())
        self._per_process = per_process
        self._chat = chat
        self._procs: list[asyncio.subprocess.Process] = []
        self._readers: list[asyncio.Task] = []
        self.arrivals: dict[str, dict[str, float]] = defaultdict(dict)  # subject -> user -> time
        self._waiters: dict[str, tuple[int, asyncio.Event]] = {}

    async def start(self) -> None:
        ready = []
        for proc in await spawn_holders("tests.bench.stream_holder", {"address": self._address, "chat": self._chat},
                                        self._users, per_process=self._per_process):
            is_ready = asyncio.Event()
            ready.append(is_ready)
            self._procs.append(proc)
            self._readers.append(asyncio.create_task(self._read(proc, is_ready)))
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 180)

    async def _read(self, proc: asyncio.subprocess.Process, ready: asyncio.Event) -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            if raw.strip() == b"ready":
                ready.set()
                continue
            subject, arrivals = json.loads(raw)
            seen = self.arrivals[subject]
            for user, when in arrivals:
                seen.setdefault(user, when)
            expected, done = self._waiters.get(subject, (0, None))
            if done is not None and len(seen) >= expected:
                done.set()

    async def wait_for(self, subject: str, recipients: int, timeout: float = 120) -> float:
        """Block until `recipients` users saw `subject`; returns the last arrival (time.monotonic)."""
        done = asyncio.Event()
        self._waiters[subject] = (recipients, done)
        if len(self.arrivals[subject]) < recipients:
            try:
                await asyncio.wait_for(done.wait(), timeout)
            except TimeoutError:
                raise RuntimeError(f"only {len(self.arrivals[subject])} of {recipients} streams saw {subject}") from None
        return max(self.arrivals[subject].values())

    @property
    def pids(self) -> list[int]:
        return [proc.pid for proc in self._procs]

    async def stop(self) -> None:
        await stop_holders(self._procs, self._readers)


async def stop_holders(procs: list[asyncio.subprocess.Process], readers: list[asyncio.Task]) -> None:
    """Kill the holder processes and cancel the tasks reading their output."""
    for proc in procs:
        if proc.returncode is None:
            proc.kill()
    for proc in procs:
        await proc.wait()
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)


def now() -> float:
    return time.monotonic()
