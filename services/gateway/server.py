"""The gateway process: one browser edge (runtime.browser_edge: gRPC-Web and Connect over
HTTP/1.1, CORS) in front of every service, answering each call by calling the service's native
gRPC with the same bytes and metadata. It gives a page one origin where no ingress routes by
path; behind such an ingress each service serves browsers itself (`BROWSER_PORT`), a hop fewer.

    python -m services.gateway      # GATEWAY_PORT, GATEWAY_<SERVICE>_ADDRESS, GATEWAY_CORS_ORIGINS

Each call is one upstream call on a shared HTTP/2 channel per service, made with no serializer,
so the gateway costs a copy of the bytes and never a parse. Server streams are written frame by
frame as the upstream sends them; a browser that goes away cancels its upstream call.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable
from pathlib import Path

import grpc
from aiohttp import web

from services.gateway.methods import method_table
from services.gateway.settings import GatewaySettings
from services.runtime.browser_edge import BrowserEdge, EdgeSettings, MethodKind, SendHeaders, SendMessage, UnaryAnswer
from services.runtime.browser_wire import Metadata, Outcome
from services.runtime.grpc_server import peer_host
from services.runtime.logs import configure_logging, get_logger

log = get_logger(__name__)


class ChannelUpstream:
    """Every service's native gRPC, a shared channel each (service name -> host:port)."""

    def __init__(self, addresses: dict[str, str]) -> None:
        self._methods = method_table()
        self.channels = {name: grpc.aio.insecure_channel(address, options=[
            ("grpc.max_receive_message_length", 4 * 1024 * 1024),
            ("grpc.keepalive_time_ms", 30_000),
        ]) for name, address in addresses.items()}
        self._unary: dict[str, grpc.aio.UnaryUnaryMultiCallable] = {}
        self._streams: dict[str, grpc.aio.UnaryStreamMultiCallable] = {}
        for path, method in self._methods.items():
            channel = self.channels[method.upstream]
            if method.server_streaming:
                # No serializers: bytes in, bytes out.
                self._streams[path] = channel.unary_stream(path, request_serializer=None, response_deserializer=None)
            else:
                self._unary[path] = channel.unary_unary(path, request_serializer=None, response_deserializer=None)

    def kind(self, path: str) -> MethodKind | None:
        method = self._methods.get(path)
        if method is None:
            return None
        return "stream" if method.server_streaming else "unary"

    async def unary(self, path: str, message: bytes, metadata: Metadata, peer: str,
                    timeout: float | None) -> UnaryAnswer:
        call = self._unary[path](message, metadata=_forwarded(metadata, peer), timeout=timeout)
        reply: bytes | None
        try:
            reply = await call
        except grpc.aio.AioRpcError:
            reply = None
        return UnaryAnswer(reply, await _outcome(call), tuple(await call.initial_metadata() or ()))

    async def stream(self, path: str, message: bytes, metadata: Metadata, peer: str, timeout: float | None,
                     send_headers: SendHeaders, send: SendMessage) -> Outcome:
        call = self._streams[path](message, metadata=_forwarded(metadata, peer), timeout=timeout)
        try:
            # The upstream's headers come with its first message, or its end.
            await send_headers(tuple(await call.initial_metadata() or ()))
            try:
                async for chunk in call:
                    await send(chunk)
            except grpc.aio.AioRpcError:
                pass
            return await _outcome(call)
        finally:
            call.cancel()  # a no-op once the call ended; otherwise the browser left

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close(grace=None)


def _forwarded(metadata: Metadata, peer: str) -> Metadata:
    """`metadata` and the caller's address as x-forwarded-for: the services' own peer is the gateway."""
    return (*metadata, ("x-forwarded-for", peer_host(peer)))


async def _outcome(call: grpc.aio.Call) -> Outcome:
    return Outcome(await call.code(), await call.details() or "", tuple(await call.trailing_metadata() or ()))


class Gateway:
    """One gateway in the current event loop; tests start it beside the services."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self._upstream: ChannelUpstream | None = None
        self._edge: BrowserEdge | None = None

    @property
    def port(self) -> int:
        return self._edge.port if self._edge is not None else 0

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"

    async def start(self) -> None:
        self._upstream = ChannelUpstream(self.settings.upstreams)
        self._edge = BrowserEdge(
            EdgeSettings(self.settings.host, self.settings.port, self.settings.cors_origins,
                         self.settings.max_request_bytes),
            self._upstream, extra_routes=[("GET", "/healthz", self._health)])
        await self._edge.start()
        log.info("gateway ready", url=self.url, upstreams=self.settings.upstreams)

    async def stop(self) -> None:
        if self._edge is not None:
            await self._edge.stop()
        if self._upstream is not None:
            await self._upstream.close()
        log.info("gateway stopped")

    async def _health(self, request: web.Request) -> web.Response:
        """200 when every upstream's gRPC health check says SERVING, else 503 and which do not."""
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        assert self._upstream is not None and self._edge is not None
        channels = self._upstream.channels

        async def status(channel: grpc.aio.Channel) -> str:
            try:
                reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1.0)
            except grpc.aio.AioRpcError as error:
                return error.code().name
            return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)

        names = list(channels)
        statuses = dict(zip(names, await asyncio.gather(*(status(channels[n]) for n in names))))
        serving = all(s == "SERVING" for s in statuses.values())
        return web.json_response(statuses, status=200 if serving else 503, headers=self._edge.cors(request))


async def serve(settings: GatewaySettings, until: Awaitable[object]) -> None:
    """The gateway, and the development web site when `WEB_PORT` is set, until `until` is done."""
    from services.gateway.devsite import DevSite, DevSiteSettings

    gateway = Gateway(settings)
    await gateway.start()
    site = None
    try:
        if settings.web_port is not None:
            operator_token = Path(settings.web_operator_token_file).read_text().strip()  # noqa: ASYNC240 (once, at start)
            site = DevSite(DevSiteSettings(
                host=settings.host, port=settings.web_port, root=settings.web_root, gateway_url=gateway.url,
                identity_address=settings.upstreams["identity"], media_url=settings.web_media_url,
                operator_token=operator_token))
            await site.start()
        await until
    finally:
        if site is not None:
            await site.stop()
        await gateway.stop()


def main() -> None:
    """Entry point of `python -m services.gateway`: run until SIGTERM / SIGINT."""
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level, settings.log_format)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(settings, stop.wait())

    try:
        import uvloop

        uvloop.run(run())
    except ImportError:
        asyncio.run(run())
