"""What the front-end tests share: the gateway beside a running system, the TypeScript build,
and the generated TypeScript client driven from Python through a Node process (tests/node/bridge.ts)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from services.gateway.devsite import DevSite, DevSiteSettings
from services.gateway.methods import UPSTREAM_SERVICES
from services.gateway.server import Gateway
from services.gateway.settings import GatewaySettings
from tests.harness import System, module_system

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "ts"


def gateway_settings(system: System, **changes: Any) -> GatewaySettings:
    if "upstreams" not in changes:
        changes["upstreams"] = {name: system.address_of(name) for name in UPSTREAM_SERVICES}
    return GatewaySettings(**{"host": "127.0.0.1", "port": 0, "cors_origins": ("*",), **changes})


@contextlib.asynccontextmanager
async def running_gateway(system: System, **changes: Any) -> AsyncIterator[Gateway]:
    gateway = Gateway(gateway_settings(system, **changes))
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()


def service_urls(system: System) -> dict[str, str]:
    """Where each service of `system` serves browsers itself (started with browser_port=0)."""
    urls = {}
    for name in UPSTREAM_SERVICES:
        edge = system.hosts[name][0].browser
        assert edge is not None, f"{name} runs without BROWSER_PORT"
        urls[name] = edge.url
    return urls


@dataclass
class Frontend:
    system: System
    gateway_url: str
    # The web client's own origin (another port than the gateway's).
    web_url: str
    # Each service's own browser edge (BROWSER_PORT), a hop fewer than the gateway.
    service_urls: dict[str, str]


@contextlib.asynccontextmanager
async def running_frontend(postgres: Any, data_dir: Path) -> AsyncIterator[Frontend]:
    """The five services, the media edge (RTMP in, HLS out), the gateway and the web client's site."""
    from tests.media_support import new_edge

    edge = new_edge(data_dir)
    async with module_system(postgres, data_dir, "identity", "groups", "live", "meetings", "notifications", "media",
                             browser_port=0, **edge.settings()) as system, running_gateway(system) as gateway:
        web = DevSite(DevSiteSettings(
            host="127.0.0.1", port=0, root=ROOT / "build" / "web", gateway_url=gateway.url,
            identity_address=system.address_of("identity"), operator_token=system.operator_token))
        await web.start()
        try:
            yield Frontend(system, gateway.url, web.url, service_urls(system))
        finally:
            await web.stop()


# What `npm run build` reads, and what it writes last (tsc's outputs, then the web bundle).
BUILD_SOURCES = ("clients/typescript/src", "web/src", "web/public", "web/build.mjs", "tests/node", "tsconfig.json",
                 "package-lock.json")
BUILD_OUTPUTS = (BUILD / "tests" / "node" / "browser.js", BUILD / "tests" / "node" / "bridge.js",
                 ROOT / "build" / "web" / "app.js")


def _newest(path: Path) -> float:
    return max((p.stat().st_mtime for p in path.rglob("*") if p.is_file()), default=0.0) if path.is_dir() \
        else path.stat().st_mtime


def _build_is_fresh() -> bool:
    if not all(output.exists() for output in BUILD_OUTPUTS):
        return False
    return min(o.stat().st_mtime for o in BUILD_OUTPUTS) >= max(_newest(ROOT / s) for s in BUILD_SOURCES)


def typescript_build() -> Path:
    """Compile the TypeScript client, web client and Node tests (`npm ci` first if needed) unless
    the build is newer than its sources (`make test` builds first); skips the test on a machine
    without Node. CI has Node: there this never skips. Test workers in parallel take a lock, so
    one builds and none starts Node on files being rewritten."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js is not installed: the TypeScript client cannot run here")
    BUILD.parent.mkdir(exist_ok=True)
    with open(BUILD.parent / ".tests-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _build_is_fresh():
            if not (ROOT / "node_modules" / ".package-lock.json").exists():
                subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True, capture_output=True)
            subprocess.run(["npm", "run", "--silent", "build"], cwd=ROOT, check=True)
    return BUILD


class NodeBridge:
    """A Node process running the generated TypeScript client against the gateway, or against
    each service's own browser edge (`service_urls`)."""

    def __init__(self, gateway_url: str, protocol: str, service_urls: dict[str, str] | None = None) -> None:
        self._env = {**os.environ, "CONVENE_GATEWAY_URL": gateway_url, "CONVENE_PROTOCOL": protocol,
                     "CONVENE_SERVICE_URLS": json.dumps(service_urls or {})}
        self._proc: asyncio.subprocess.Process | None = None
        self._next_id = 0
        self._waiting: dict[int, asyncio.Queue[dict]] = {}
        self._reader: asyncio.Task | None = None

    async def start(self) -> NodeBridge:
        self._proc = await asyncio.create_subprocess_exec(
            "node", str(BUILD / "tests" / "node" / "bridge.js"), cwd=ROOT, env=self._env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=16 * 1024 * 1024)
        assert self._proc.stdout is not None
        ready = json.loads(await asyncio.wait_for(self._proc.stdout.readline(), 30))
        assert ready.get("ready"), ready
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        while line := await self._proc.stdout.readline():
            answer = json.loads(line)
            queue = self._waiting.get(answer.pop("id", -1))
            if queue is not None:
                queue.put_nowait(answer)

    def _send(self, command: dict) -> asyncio.Queue[dict]:
        assert self._proc is not None and self._proc.stdin is not None
        self._next_id += 1
        command["id"] = self._next_id
        queue: asyncio.Queue[dict] = asyncio.Queue()
        self._waiting[self._next_id] = queue
        self._proc.stdin.write((json.dumps(command) + "\n").encode())
        return queue

    async def call(self, service: str, method: str, request: dict, token: str = "", **extra: Any) -> dict:
        """{"response": {...}} or {"error": {"code", "reason", "metadata", ...}}."""
        queue = self._send({"op": "call", "service": service, "method": method, "request": request,
                            "token": token, **extra})
        return await asyncio.wait_for(queue.get(), 20)

    async def render(self, text: dict, locale: str) -> dict:
        """The TypeScript client's rendering of a NotificationText (JSON) in `locale`."""
        return await asyncio.wait_for(self._send({"op": "render", "text": text, "locale": locale}).get(), 20)

    def subscribe(self, request: dict, token: str, **extra: Any) -> NodeStream:
        queue = self._send({"op": "subscribe", "request": request, "token": token, **extra})
        return NodeStream(self, self._next_id, queue)

    async def close_stream(self, stream_id: int) -> None:
        await asyncio.wait_for(self._send({"op": "close", "stream": stream_id}).get(), 10)

    async def stop(self) -> None:
        if self._proc is not None:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
            try:
                await asyncio.wait_for(self._proc.wait(), 10)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


class NodeStream:
    """A Subscribe stream held by the Node process; each answer is an item, the end or an error."""

    def __init__(self, bridge: NodeBridge, stream_id: int, queue: asyncio.Queue[dict]) -> None:
        self._bridge = bridge
        self.id = stream_id
        self._queue = queue

    async def next(self, timeout: float = 20) -> dict:
        return await asyncio.wait_for(self._queue.get(), timeout)

    async def close(self) -> None:
        await self._bridge.close_stream(self.id)
