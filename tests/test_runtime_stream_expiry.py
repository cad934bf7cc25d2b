"""A server stream ends with TOKEN_EXPIRED when its token expires: while it waits for its next
item (the wait is cut), or while an item is being sent (the send finishes, the next wait does not
start); a cancellation from elsewhere (the client went away) stays a cancellation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from services.runtime.errors import Unauthenticated
from services.runtime.grpc_server import LEEWAY_S, _until_expiry


@dataclass
class Caller:
    expires_at: float


def expiring_in(seconds: float) -> Caller:
    return Caller(expires_at=time.time() - LEEWAY_S + seconds)


async def items(gap_s: float, count: int = 1000) -> AsyncIterator[int]:
    for index in range(count):
        await asyncio.sleep(gap_s)
        yield index


async def test_an_idle_stream_ends_at_expiry() -> None:
    started = time.monotonic()
    with pytest.raises(Unauthenticated) as refused:
        async with asyncio.timeout(10):
            async for _ in _until_expiry(items(60), expiring_in(0.3)):
                pass
    assert refused.value.reason == "TOKEN_EXPIRED"
    assert 0.2 <= time.monotonic() - started < 5


async def test_a_send_under_way_at_expiry_finishes_and_nothing_follows() -> None:
    sent = []
    with pytest.raises(Unauthenticated):
        async with asyncio.timeout(10):
            async for item in _until_expiry(items(0.0), expiring_in(0.2)):
                await asyncio.sleep(0.5)  # the send of the first item outlasts the token
                sent.append(item)
    assert sent == [0]


async def test_items_flow_until_then_and_a_cancel_from_elsewhere_stays_a_cancel() -> None:
    received = []

    async def read() -> None:
        async for item in _until_expiry(items(0.01), expiring_in(60)):
            received.append(item)

    reader = asyncio.create_task(read())
    await asyncio.sleep(0.3)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert len(received) > 5 and received == list(range(len(received)))
