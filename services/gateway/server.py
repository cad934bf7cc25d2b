"""The gateway process: an aiohttp server that answers gRPC-Web and Connect requests by calling
the services' native gRPC with the same bytes and metadata.

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

from services.gateway import wire
from services.gateway.methods import Method, method_table
from services.gateway.settings import GatewaySettings
from services.gateway.wire import Outcome, Protocol, WireError
from services.runtime.logs import configure_logging, get_logger

log = get_logger(__name__)

# What a page may send (preflight) and read (response) across origins.
ALLOWED_REQUEST_HEADERS = ", ".join((
    "authorization", "content-type", "accept-language", "x-request-id", "x-grpc-web", "x-user-agent",
    "grpc-timeout", "connect-protocol-version", "connect-timeout-ms", "connect-accept-encoding",
    "connect-content-encoding", "grpc-accept-encoding",
))
EXPOSED_RESPONSE_HEADERS = "grpc-status, grpc-message, grpc-status-details-bin, x-request-id"
PREFLIGHT_MAX_AGE_S = 7200

class Gateway:
    """One gateway in the current event loop; tests start it beside the services."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.port = 0
        self._methods = method_table()
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._unary: dict[str, grpc.aio.UnaryUnaryMultiCallable] = {}
        self._streams: dict[str, grpc.aio.UnaryStreamMultiCallable] = {}
        self._runner: web.AppRunner | None = None
        self._any_origin = "*" in settings.cors_origins

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"

    async def start(self) -> None:
        for name, address in self.settings.upstreams.items():
            self._channels[name] = grpc.aio.insecure_channel(address, options=[
                ("grpc.max_receive_message_length", 4 * 1024 * 1024),
                ("grpc.keepalive_time_ms", 30_000),
            ])
        for path, method in self._methods.items():
            channel = self._channels[method.upstream]
            if method.server_streaming:
                # No serializers: bytes in, bytes out.
                self._streams[path] = channel.unary_stream(path, request_serializer=None, response_deserializer=None)
            else:
                self._unary[path] = channel.unary_unary(path, request_serializer=None, response_deserializer=None)
        app = web.Application(client_max_size=self.settings.max_request_bytes)
        app.router.add_route("OPTIONS", "/{service}/{method}", self._preflight)
        app.router.add_route("POST", "/{service}/{method}", self._call)
        app.router.add_get("/healthz", self._health)
        # A browser that closes its stream cancels the handler, which cancels the upstream call.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        log.info("gateway ready", url=self.url, upstreams=self.settings.upstreams)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        for channel in self._channels.values():
            await channel.close(grace=None)
        log.info("gateway stopped")

    # ------------------------------------------------------------------------------- CORS

    def _allowed_origin(self, request: web.Request) -> str | None:
        origin = request.headers.get("Origin")
        if origin is None:
            return None
        return origin if self._any_origin or origin.rstrip("/") in self.settings.cors_origins else None

    def _cors(self, request: web.Request) -> dict[str, str]:
        origin = self._allowed_origin(request)
        if origin is None:
            return {}
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
                "Access-Control-Expose-Headers": EXPOSED_RESPONSE_HEADERS}

    async def _preflight(self, request: web.Request) -> web.Response:
        if self._allowed_origin(request) is None:
            return web.Response(status=403, text="origin not allowed")
        headers = self._cors(request)
        headers.update({"Access-Control-Allow-Methods": "POST, OPTIONS",
                        "Access-Control-Allow-Headers": ALLOWED_REQUEST_HEADERS,
                        "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S)})
        return web.Response(status=204, headers=headers)

    # ------------------------------------------------------------------------------- calls

    async def _call(self, request: web.Request) -> web.StreamResponse:
        protocol = Protocol.of(request.headers.get("Content-Type", ""))
        if protocol is None:
            return web.Response(status=415, headers=self._cors(request),
                                text="use gRPC-Web (application/grpc-web+proto) or Connect with binary "
                                     "messages (application/proto, application/connect+proto)")
        method = self._methods.get(request.path)
        try:
            if method is None:
                raise WireError(grpc.StatusCode.UNIMPLEMENTED, f"no such method: {request.path}")
            if protocol is not Protocol.GRPC_WEB and method.server_streaming != (protocol is Protocol.CONNECT_STREAM):
                raise WireError(grpc.StatusCode.UNIMPLEMENTED,
                                "server streams take application/connect+proto, unary calls application/proto")
            message = wire.request_message(protocol, await request.read())
            metadata = wire.request_metadata(request.headers.items(), request.remote)
            timeout = wire.timeout_s(protocol, request.headers)
        except WireError as refusal:
            return await self._refuse(request, protocol, refusal)
        if method.server_streaming:
            return await self._stream(request, protocol, method, message, metadata, timeout)
        return await self._unary_call(request, protocol, method, message, metadata, timeout)

    async def _unary_call(self, request: web.Request, protocol: Protocol, method: Method, message: bytes,
                          metadata: list, timeout: float | None) -> web.Response:
        call = self._unary[method.path](message, metadata=metadata, timeout=timeout)
        reply: bytes | None
        try:
            reply = await call
        except grpc.aio.AioRpcError:
            reply = None
        outcome = await _outcome(call)
        headers = self._cors(request)
        extra = wire.response_headers(tuple(await call.initial_metadata() or ()))
        if protocol is Protocol.CONNECT_UNARY:
            extra += wire.connect_unary_trailers(outcome.trailing)
            if reply is None:
                return _response(wire.connect_http_status(outcome.code), headers, extra, "application/json",
                                 _json(wire.connect_error(outcome)))
            return _response(200, headers, extra, protocol.response_content_type, reply)
        body = (wire.frame(reply) if reply is not None else b"") + wire.grpc_web_trailer(outcome)
        return _response(200, headers, extra, protocol.response_content_type, body)

    async def _stream(self, request: web.Request, protocol: Protocol, method: Method, message: bytes,
                      metadata: list, timeout: float | None) -> web.StreamResponse:
        call = self._streams[method.path](message, metadata=metadata, timeout=timeout)
        try:
            # Headers go out when the upstream sends its own (with its first message, or its
            # end), as a native client would see them.
            initial = await call.initial_metadata()
            response = web.StreamResponse(status=200, headers=self._cors(request))
            response.content_type = protocol.response_content_type
            for key, value in wire.response_headers(tuple(initial or ())):
                response.headers.add(key, value)
            await response.prepare(request)
            try:
                async for chunk in call:
                    await response.write(wire.frame(chunk))
            except grpc.aio.AioRpcError:
                pass
            outcome = await _outcome(call)
            end = (wire.grpc_web_trailer(outcome) if protocol is Protocol.GRPC_WEB
                   else wire.connect_end_stream(outcome))
            await response.write(end)
            await response.write_eof()
            return response
        finally:
            call.cancel()  # a no-op once the call ended; otherwise the browser left

    async def _refuse(self, request: web.Request, protocol: Protocol, refusal: WireError) -> web.Response:
        log.info("request refused by the gateway", rpc=request.path, protocol=protocol.value,
                 code=refusal.code.name, why=refusal.message)
        outcome = Outcome(refusal.code, refusal.message)
        headers = self._cors(request)
        if protocol is Protocol.CONNECT_UNARY:
            return _response(wire.connect_http_status(refusal.code), headers, [], "application/json",
                             _json(wire.connect_error(outcome)))
        end = wire.grpc_web_trailer(outcome) if protocol is Protocol.GRPC_WEB else wire.connect_end_stream(outcome)
        return _response(200, headers, [], protocol.response_content_type, end)

    async def _health(self, request: web.Request) -> web.Response:
        """200 when every upstream's gRPC health check says SERVING, else 503 and which do not."""
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        async def status(channel: grpc.aio.Channel) -> str:
            try:
                reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1.0)
            except grpc.aio.AioRpcError as error:
                return error.code().name
            return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)

        names = list(self._channels)
        statuses = dict(zip(names, await asyncio.gather(*(status(self._channels[n]) for n in names))))
        serving = all(s == "SERVING" for s in statuses.values())
        return web.json_response(statuses, status=200 if serving else 503, headers=self._cors(request))


async def _outcome(call: grpc.aio.Call) -> Outcome:
    return Outcome(await call.code(), await call.details() or "", tuple(await call.trailing_metadata() or ()))


def _json(value: object) -> bytes:
    import json

    return json.dumps(value, separators=(",", ":")).encode()


def _response(status: int, cors: dict[str, str], extra: list[tuple[str, str]], content_type: str,
              body: bytes) -> web.Response:
    response = web.Response(status=status, body=body, headers=cors)
    response.content_type = content_type
    for key, value in extra:
        response.headers.add(key, value)
    return response


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
