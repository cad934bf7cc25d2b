"""Supervised loops and the line between an unreachable dependency and a refusal (the rules every
background loop, consumer and RPC of the runtime follow)."""

from __future__ import annotations

import asyncio

import asyncpg
import nats.errors
import nats.js.errors
import pytest

from services.runtime.dependencies import NATS, POSTGRESQL, unavailable_dependency
from services.runtime.errors import NotFound, Unavailable
from services.runtime.events import PoisonEvent
from services.runtime.supervisor import Loop, Supervisor
from tests.harness import eventually


async def test_a_failing_loop_is_restarted_with_one_outage_reported() -> None:
    """Any exception restarts the body after a back-off; the loop is down from the first failure
    until the body reports progress, and the listener hears each change once, not each failure."""
    changes: list[tuple[str, bool]] = []
    runs = 0

    async def body(loop: Loop) -> None:
        nonlocal runs
        runs += 1
        if runs <= 4:
            raise KeyError(f"failure {runs}")
        loop.healthy()
        await asyncio.Event().wait()

    supervisor = Supervisor(on_change=lambda loop: changes.append((loop.name, loop.up)),
                            initial_backoff_s=0.01, max_backoff_s=0.05)
    loop = supervisor.start("flaky", body)
    try:
        await eventually(lambda: _true(runs == 5 and loop.up), timeout=5, what="the fifth run up")
    finally:
        await supervisor.stop_all()
    assert changes == [("flaky", False), ("flaky", True)]
    assert loop.restarts == 4 and loop.outages == 1
    assert not loop.running


async def test_a_loop_that_returns_is_restarted_and_one_that_is_stopped_is_not() -> None:
    runs = 0

    async def body(loop: Loop) -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            return  # a loop that ends is a fault too
        loop.healthy()
        await asyncio.sleep(3600)

    supervisor = Supervisor(initial_backoff_s=0.01)
    loop = supervisor.start("ends once", body)
    await eventually(lambda: _true(runs == 2 and loop.up), timeout=5, what="the restart")
    assert loop.restarts == 1 and loop.error == "LoopEnded: the loop returned"
    await supervisor.stop(loop)
    await asyncio.sleep(0.05)
    assert runs == 2 and not loop.running and supervisor.loops == []


async def test_a_loop_whose_work_is_done_ends_for_good_and_is_forgotten() -> None:
    """A room nobody watches any more ends its own loop: not restarted, not left in the list."""
    runs = 0
    changes: list[tuple[str, bool]] = []

    async def body(loop: Loop) -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise RuntimeError("a bug")  # down, then run again
        loop.healthy()
        loop.done()

    supervisor = Supervisor(initial_backoff_s=0.01, on_change=lambda loop: changes.append((loop.name, loop.up)))
    loop = supervisor.start("room", body)
    await eventually(lambda: _true(not loop.running), timeout=5, what="the loop's end")
    await asyncio.sleep(0.05)
    assert runs == 2 and supervisor.loops == [] and loop.up
    assert changes == [("room", False), ("room", True)]


async def test_only_loops_in_readiness_make_the_replica_not_serving() -> None:
    """A loop of one object's own (a live's room, started with readiness=False) that fails is
    restarted like any other but leaves the replica SERVING; a loop of the replica's own makes
    it NOT_SERVING until it is back."""
    from grpc_health.v1._async import HealthServicer

    from services.runtime.health import Health

    health = Health(HealthServicer())
    supervisor = Supervisor(on_change=health.loop_changed, initial_backoff_s=0.01, max_backoff_s=0.05)
    failing = True

    async def body(loop: Loop) -> None:
        if failing:
            raise KeyError("a bug of this room's own")
        loop.healthy()
        await asyncio.Event().wait()

    room = supervisor.start("live room l-1", body, readiness=False)
    try:
        await eventually(lambda: _true(room.restarts >= 2), timeout=5, what="the room loop restarted")
        assert not room.up and health.down == {}, "the room's failure is not the replica's"
        relay = supervisor.start("outbox relay", body)
        await eventually(lambda: _true(not relay.up), timeout=5, what="the relay down")
        assert list(health.down) == ["loop outbox relay"]
        failing = False
        await eventually(lambda: _true(relay.up and room.up), timeout=5, what="both back")
        assert health.down == {}
    finally:
        await supervisor.stop_all()


async def test_a_loop_can_report_itself_down_without_ending() -> None:
    progress = asyncio.Event()

    async def body(loop: Loop) -> None:
        loop.failing(ConnectionRefusedError(111, "Connect call failed"))
        await progress.wait()
        loop.healthy()
        await asyncio.sleep(3600)

    supervisor = Supervisor()
    loop = supervisor.start("waits", body)
    await eventually(lambda: _true(not loop.up), timeout=5, what="down")
    assert loop.dependency == POSTGRESQL and loop.restarts == 0
    progress.set()
    await eventually(lambda: _true(loop.up), timeout=5, what="up again")
    await supervisor.stop_all()


async def test_a_dependency_back_cuts_the_back_off_short() -> None:
    """Loops waiting out a long back-off because of a dependency run again once it is back."""
    runs = 0

    async def body(loop: Loop) -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise ConnectionRefusedError(111, "Connect call failed")
        loop.healthy()
        await asyncio.sleep(3600)

    supervisor = Supervisor(initial_backoff_s=60.0)
    loop = supervisor.start("patient", body)
    await eventually(lambda: _true(not loop.up), timeout=5, what="down")
    supervisor.retry_now(NATS)  # not what it waits for
    await asyncio.sleep(0.1)
    assert runs == 1
    supervisor.retry_now(POSTGRESQL)
    await eventually(lambda: _true(loop.up and runs == 2), timeout=5, what="run again at once")
    await supervisor.stop_all()


def _raised_while_handling(cause: BaseException, raised: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException:
            raise raised  # noqa: B904  (the implicit context is the point)
    except BaseException as exc:
        return exc


@pytest.mark.parametrize(("error", "dependency"), [
    (asyncpg.exceptions.InternalClientError("cannot switch to state 15; another operation (2) is in progress"),
     POSTGRESQL),
    (asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"), POSTGRESQL),
    (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), POSTGRESQL),
    (asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"), POSTGRESQL),
    (asyncpg.exceptions.InterfaceError("cannot call Transaction.__aexit__(): the underlying connection is closed"),
     POSTGRESQL),
    (ConnectionRefusedError(111, "Connect call failed"), POSTGRESQL),
    (ConnectionError("unexpected connection_lost() call"), POSTGRESQL),
    (nats.errors.TimeoutError(), NATS),
    (nats.errors.NoRespondersError(), NATS),
    (nats.errors.ConnectionClosedError(), NATS),
    (nats.js.errors.ServiceUnavailableError(), NATS),
    (Unavailable("DEPENDENCY_UNAVAILABLE", "no answer", dependency="identity"), "identity"),
    (_raised_while_handling(asyncpg.exceptions.ConnectionDoesNotExistError("gone"), RuntimeError("cleanup")),
     POSTGRESQL),
    # Refusals, whatever they were raised from:
    (nats.js.errors.BadRequestError(), None),
    (asyncpg.exceptions.UniqueViolationError("duplicate key"), None),
    (Unavailable("DEPENDENCY_FAILED", "identity failed"), None),
    (_raised_while_handling(ConnectionRefusedError(111, "refused"), NotFound("GROUP_NOT_FOUND", "no such group")),
     None),
    (_raised_while_handling(ConnectionRefusedError(111, "refused"), PoisonEvent("wrong payload")), None),
    (ValueError("bad"), None),
])
def test_what_counts_as_an_unreachable_dependency(error: BaseException, dependency: str | None) -> None:
    assert unavailable_dependency(error) == dependency


async def _true(value: bool) -> bool:
    return value
