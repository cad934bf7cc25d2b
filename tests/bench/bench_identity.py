"""Authorization request-reply (SPEC F-22): `identity.v1.authorize` latency p50 / p99 and
throughput, beside a bare NATS request-reply echo measured in the same run.

Identity runs as its own process (as ops run it); so does the echo responder, a bare nats-py
subscriber under uvloop that answers each request with its own bytes. Both are asked from this
process over the same NATS with the same payload, sequentially in interleaved rounds (so machine
noise falls on both alike) for latency, then with requests in flight for throughput.
Target: authorize p99 within 3x of the echo's p99.

    python -m tests.bench identity          # with the other benchmarks' report
    python -m tests.bench.bench_identity    # alone
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import nats
from nats.aio.msg import Msg

from convene.identity.v1 import authz_pb2
from services.runtime import subjects
from tests.bench.report import Report, percentile, summary_ms
from tests.bench.system import process_system

ROOT = Path(__file__).resolve().parents[2]
ECHO_SUBJECT = "bench.identity.echo"
ROUNDS, CALLS_PER_ROUND, WARM_UP = 6, 500, 300
THROUGHPUT_S, IN_FLIGHT = 3.0, 32


async def _serve_echo(nats_url: str) -> None:
    """The bare responder (child process): answer every request with its own bytes."""
    nc = await nats.connect(nats_url.split(","))

    async def echo(msg: Msg) -> None:
        await msg.respond(msg.data)

    await nc.subscribe(ECHO_SUBJECT, queue="echo", cb=echo)
    await nc.flush()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    await nc.close()


def _start_echo(nats_url: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "protos" / "gen"),
                                                         os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "tests.bench.bench_identity", "--echo", nats_url],
                            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready", "echo responder did not start"
    return proc


async def _sequential(nc: nats.NATS, subject: str, payload: bytes, calls: int) -> list[float]:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await nc.request(subject, payload, timeout=5)
        samples.append(time.perf_counter() - started)
    return samples


async def _rate(nc: nats.NATS, subject: str, payload: bytes) -> float:
    """Answers per second with IN_FLIGHT requests outstanding."""
    deadline = time.perf_counter() + THROUGHPUT_S
    count = 0

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            await nc.request(subject, payload, timeout=5)
            count += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return count / (time.perf_counter() - started)


async def run(report: Report) -> None:
    async with process_system(only=("identity",)) as system:
        org = await system.create_org(members=1)
        question = authz_pb2.AuthorizeRequest(principal_id=org.member_ids[0],
                                              action=authz_pb2.ACTION_START_LIVE).SerializeToString()
        echo = _start_echo(system.nats_url)
        nc = await nats.connect(system.nats_url.split(","))
        try:
            answer = authz_pb2.AuthorizeResponse.FromString(
                (await nc.request(subjects.IDENTITY_AUTHORIZE, question, timeout=5)).data)
            assert answer.allowed, answer.reason  # a real answer from the database, not a refusal
            await _sequential(nc, ECHO_SUBJECT, question, WARM_UP)
            await _sequential(nc, subjects.IDENTITY_AUTHORIZE, question, WARM_UP)
            bare: list[float] = []
            authorize: list[float] = []
            for _ in range(ROUNDS):
                bare += await _sequential(nc, ECHO_SUBJECT, question, CALLS_PER_ROUND)
                authorize += await _sequential(nc, subjects.IDENTITY_AUTHORIZE, question, CALLS_PER_ROUND)
            bare_rate = await _rate(nc, ECHO_SUBJECT, question)
            authorize_rate = await _rate(nc, subjects.IDENTITY_AUTHORIZE, question)
        finally:
            await nc.close()
            assert echo.stdin is not None
            echo.stdin.close()
            echo.wait(10)

    report.note(f"identity.v1.authorize: {summary_ms(authorize)}")
    report.note(f"bare NATS echo:        {summary_ms(bare)}")
    for p, target in ((50, ""), (99, "<= 3x")):
        report.compare("identity authorize", f"request-reply p{p}", percentile(authorize, p) * 1000,
                       baseline_name=f"bare NATS echo p{p}", baseline=percentile(bare, p) * 1000,
                       unit="ms", target=target)
    report.compare("identity authorize", f"throughput, {IN_FLIGHT} in flight", authorize_rate,
                   baseline_name="bare NATS echo", baseline=bare_rate, unit="req/s", higher_is_better=True)


async def _main() -> None:
    from services.runtime.logs import configure_logging

    configure_logging("bench", level="warning", fmt="console")
    report = Report()
    await run(report)
    print()
    print(report.markdown())


if __name__ == "__main__":
    if sys.argv[1:2] == ["--echo"]:
        runner = _serve_echo(sys.argv[2])
    else:
        runner = _main()
    try:
        import uvloop

        uvloop.run(runner)
    except ImportError:
        asyncio.run(runner)
