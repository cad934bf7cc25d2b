"""The `convene` command as an operator runs it (the installed console script, a process of its
own, configured by the services' environment)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from convene.live.v1 import events_pb2 as live_events
from convene.notifications.v1 import notifications_pb2
from infra.embedded import NatsCluster
from services.ops import cli
from services.ops.cli import SERVICES
from services.runtime import deadletters, events
from services.runtime.auth import TokenVerifier
from services.runtime.consumer import ConsumerSpec, DurableConsumer
from services.runtime.db import Connection, ensure_database
from services.runtime.metrics import Metrics
from services.runtime.observe import sample_dead_letters
from tests.harness import System, bearer, eventually, module_system
from tests.runtime_probe import EVENT_TYPE, SCHEMA, Probe, live_started, probe
from tests.test_runtime_consumer import effect_rows, effects, publish, record_effect

CONVENE = Path(sys.executable).parent / "convene"


async def convene(*args: str, **env: str) -> tuple[int, str, str]:
    """Run `convene ARGS` with the services' environment plus `env`; (exit code, stdout, stderr)."""
    command = [str(CONVENE)] if CONVENE.exists() else [sys.executable, "-m", "services.ops.cli"]
    process = await asyncio.create_subprocess_exec(
        *command, *args, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


@pytest.fixture(scope="module")
async def running(postgres, tmp_path_factory) -> AsyncIterator[System]:
    async with module_system(postgres, tmp_path_factory.mktemp("cli")) as system:
        yield system


def env_of(system: System) -> dict[str, str]:
    return {"DATABASE_URL": system.database_url, "NATS_URL": system.nats_url,
            "IDENTITY_ADDR": system.address_of("identity"),
            "CONVENE_SERVICE_ACCOUNT": f"{system.operator_id}:{system.operator_secret}"}


async def test_migrate_applies_every_service_migrations_with_no_service_running(postgres) -> None:
    database = f"cli_{uuid.uuid4().hex[:10]}"
    await ensure_database(postgres.url, database)
    url = postgres.dsn(database)
    code, stdout, stderr = await convene("--json", "migrate", DATABASE_URL=url)
    assert code == 0, stderr
    applied = {row["service"]: row["applied"] for row in json.loads(stdout)}
    assert set(applied) == set(SERVICES)
    conn = await asyncpg.connect(url)
    try:
        for service in SERVICES:
            versions = [r["version"] for r in await conn.fetch(
                f"SELECT version FROM {service}.schema_migrations ORDER BY version")]
            migrations = Path("services") / service / "migrations"
            expected = {f"service/{p.stem}" for p in migrations.glob("*.sql")}
            assert expected <= set(versions) and "runtime/0000_runtime" in versions
            assert applied[service] == ", ".join(sorted(versions, key=lambda v: (v.split("/")[0] != "runtime", v)))
        # The tables a service needs are there before it ever started.
        assert await conn.fetchval("SELECT count(*) FROM notifications.user_cursors") == 0
    finally:
        await conn.close()
    code, stdout, _ = await convene("migrate", "live", DATABASE_URL=url)
    assert code == 0 and "(up to date)" in stdout


async def test_a_refused_setting_names_the_variable_and_its_value() -> None:
    code, _, stderr = await convene("migrate", DATABASE_URL="mysql://db/convene")
    assert code == 2
    assert "DATABASE_URL='mysql://db/convene' refused: not a postgresql:// URL" in stderr
    code, _, stderr = await convene("migrate", LIVE_DATABASE_URL="postgresql://u:hunter2@db/x", NATS_REPLICAS="2")
    assert code == 2 and "NATS_REPLICAS='2' refused: must be 1, 3 or 5" in stderr
    code, _, stderr = await convene("backlog", RETENTION_INBOX_S="3600")
    assert code == 2 and "RETENTION_INBOX_S='3600.0' refused" in stderr and "604800" in stderr
    code, _, stderr = await convene("backlog", "nosuch")
    assert code == 2 and "unknown services ['nosuch']" in stderr


async def test_dead_letters_are_listed_redriven_once_and_discarded(probe: Probe, effects: asyncpg.Pool,
                                                                   nats_server: NatsCluster) -> None:
    """The operator's view of runtime.deadletters: a real consumer sets aside an event its handler
    refuses and a message that is no event; `convene dead-letters` lists both, redrives the first
    once the cause is mended (handled once, a second redrive refused), and discards the other."""
    mended = False

    async def picky(event: events.Event, conn: Connection) -> None:
        if event.payload(live_events.SessionStarted).live.title == "poisoned" and not mended:
            raise ValueError("card template missing for this kind of live")
        await record_effect(event, conn)

    consumer = DurableConsumer(ConsumerSpec(durable="probe--effects", source=SCHEMA, subjects=[EVENT_TYPE],
                                            handler=picky, backoff_s=[0.05], max_refusals=2),
                               probe.nc, probe.pool, replicas=1)
    await consumer.start()
    cli_env = {"NATS_URL": nats_server.urls}
    try:
        poisoned, good = live_started("poisoned"), live_started("fine")
        for message, msg_id in ((poisoned, poisoned.id), (good, good.id), (b"\xff not an envelope", "junk-1")):
            await publish(probe, message, msg_id=msg_id)
        await eventually(lambda: _equals(consumer.stats.dead_lettered, 2), timeout=15, what="both set aside")
        # What the metrics say of it (sampled at scrape, as for every service's consumers).
        metrics = Metrics("probe")
        await sample_dead_letters(probe.js, metrics, ["probe--effects", "probe--other"])
        assert metrics.registry.get_sample_value("convene_dead_letters", {"consumer": "probe--effects"}) == 2
        assert metrics.registry.get_sample_value("convene_dead_letters", {"consumer": "probe--other"}) == 0

        code, stdout, stderr = await convene("--json", "dead-letters", "list", **cli_env)
        assert code == 0, stderr
        listed = json.loads(stdout)
        assert [r["sequence"] for r in listed] == sorted(r["sequence"] for r in listed)  # oldest first
        [refused] = [r for r in listed if r["reason"] == "REFUSED"]
        [junk] = [r for r in listed if r["reason"] == "POISON"]
        assert (refused["consumer"], refused["reason"], refused["refusals"], refused["event_id"]) == (
            "probe--effects", "REFUSED", 2, poisoned.id)
        assert refused["error"] == "ValueError: card template missing for this kind of live"
        assert (refused["subject"], refused["stream"], refused["event_type"]) == (EVENT_TYPE, "PROBE", EVENT_TYPE)
        assert junk["event_id"] == "" and junk["error"].startswith("PoisonEvent: undecodable envelope")
        first, second = listed
        code, stdout, _ = await convene("dead-letters", "list", "--consumer", "probe--effects", "--after",
                                        str(first["sequence"]), **cli_env)
        assert code == 0
        header, row = stdout.splitlines()
        assert header.split()[:3] == ["sequence", "consumer", "reason"]
        assert row.split()[:3] == [str(second["sequence"]), "probe--effects", second["reason"]]

        mended = True
        code, stdout, stderr = await convene("--json", "dead-letters", "redrive", str(refused["sequence"]), **cli_env)
        assert code == 0, stderr
        assert [(r["event_id"], r["done"]) for r in json.loads(stdout)] == [(poisoned.id, "redriven")]

        async def handled_once() -> bool:
            return [r["event_id"] for r in await effect_rows(effects)].count(poisoned.id) == 1

        await eventually(handled_once, timeout=10, what="the redriven event handled")
        code, _, stderr = await convene("dead-letters", "redrive", str(refused["sequence"]), **cli_env)
        assert code == 1 and f"no dead letter {refused['sequence']}" in stderr
        with pytest.raises(SystemExit) as usage:  # refused before it connects anywhere
            cli.main(["dead-letters", "redrive"])
        assert usage.value.code == 2

        code, stdout, stderr = await convene("dead-letters", "discard", str(junk["sequence"]), **cli_env)
        assert code == 0 and "discarded" in stdout, stderr
        assert await deadletters.list_dead_letters(probe.nc) == []
        await sample_dead_letters(probe.js, metrics, ["probe--effects"])
        assert metrics.registry.get_sample_value("convene_dead_letters", {"consumer": "probe--effects"}) == 0
        await asyncio.sleep(0.5)  # a second effect of the redriven event would show here
    finally:
        await consumer.stop()
    assert sorted(r["event_id"] for r in await effect_rows(effects)) == sorted([good.id, poisoned.id])


async def test_token_minted_by_identity_works_on_every_service(running: System) -> None:
    org = await running.create_org(members=1)
    member = org.member_ids[0]
    code, stdout, stderr = await convene("--json", "token", member, "--ttl", "600", **env_of(running))
    assert code == 0, stderr
    minted = json.loads(stdout)[0]
    verifier = TokenVerifier(await running.keyset())
    principal = await verifier.verify_fetching(minted["token"])
    assert principal.id == member and principal.enterprise_id == org.enterprise_id
    reply = await running.stub("notifications").ListNotifications(
        notifications_pb2.ListNotificationsRequest(), metadata=bearer(minted["token"]))
    assert reply.unread_count == 0
    # An unknown member is refused by identity, which the command says.
    code, _, stderr = await convene("token", "usr_00000000000000000000000000", **env_of(running))
    assert code == 1 and "identity refused: NOT_FOUND" in stderr
    code, stdout, _ = await convene("--json", "token", "--operator", **env_of(running))
    assert code == 0
    operator = await verifier.verify_fetching(json.loads(stdout)[0]["token"])
    assert operator.is_service and operator.id == running.operator_id
    # Without the operator's account the command says what is missing.
    code, _, stderr = await convene("token", member, **{**env_of(running), "CONVENE_SERVICE_ACCOUNT": "nope"})
    assert code == 2 and "CONVENE_SERVICE_ACCOUNT" in stderr


async def test_lag_and_backlog_show_every_consumer_and_service(running: System) -> None:
    code, stdout, stderr = await convene("--json", "lag", **env_of(running))
    assert code == 0, stderr
    consumers = {row["consumer"]: row for row in json.loads(stdout)}
    for durable in ("groups--live-cards", "notifications--groups", "live--replay-prep", "identity--revocations"):
        assert durable in consumers, consumers.keys()
        assert consumers[durable]["pending"] == 0
    code, stdout, stderr = await convene("--json", "backlog", **env_of(running))
    assert code == 0, stderr
    backlog = {row["service"]: row for row in json.loads(stdout)}
    assert set(backlog) == set(SERVICES)
    # Every service running keeps its pruning job as a timer; the media edge never ran here.
    assert all(row["timers_scheduled"] >= 1 for name, row in backlog.items() if name != "media")
    assert backlog["media"]["note"] == "no tables: never migrated or started"
    code, stdout, _ = await convene("backlog", "live", **env_of(running))
    assert code == 0 and stdout.splitlines()[0].split()[:2] == ["service", "outbox_waiting"]


async def _equals(value: object, expected: object) -> bool:
    return value == expected
