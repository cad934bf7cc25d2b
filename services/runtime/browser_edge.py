"""Browsers' protocols (gRPC-Web and Connect, binary messages) over HTTP/1.1, in front of an
upstream that answers gRPC calls with bytes. An aiohttp server; `runtime.browser_wire` holds the
protocols byte for byte, this module the HTTP side (CORS, requests, answers, streams).

Two upstreams take the calls:
- `LocalUpstream`: the guarded handlers of this process's own gRPC server, called in-process. A
  service serves browsers itself on `BROWSER_PORT` with no hop behind the HTTP request: the same
  guard (token, validation, error mapping, request id, log line, metrics) as a native call.
- the gateway's channels (`services/gateway`): one process in front of every service, so a page
  has one origin without an ingress that routes by path; each call is one more gRPC call.

A browser that closes its stream cancels the handler, and with it the upstream call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Protocol

import grpc
from aiohttp import web

from services.runtime import browser_wire as wire
from services.runtime.browser_wire import Metadata, Outcome, WireError
from services.runtime.browser_wire import Protocol as Wire
from services.runtime.logs import get_logger

log = get_logger(__name__)

# What a page may send (preflight) and read (response) across origins.
ALLOWED_REQUEST_HEADERS = ", ".join((
    "authorization", "content-type", "accept-language", "x-request-id", "x-grpc-web", "x-user-agent",
    "grpc-timeout", "connect-protocol-version", "connect-timeout-ms", "connect-accept-encoding",
    "connect-content-encoding", "grpc-accept-encoding",
))
EXPOSED_RESPONSE_HEADERS = "grpc-status, grpc-message, grpc-status-details-bin, x-request-id"
PREFLIGHT_MAX_AGE_S = 7200

MethodKind = Literal["unary", "stream"]
SendHeaders = Callable[[Metadata], Awaitable[None]]
SendMessage = Callable[[bytes], Awaitable[None]]


class UnaryAnswer(NamedTuple):
    reply: bytes | None  # None when the call failed
    outcome: Outcome
    initial: Metadata


class Upstream(Protocol):
    """What answers the calls the edge takes."""

    def kind(self, path: str) -> MethodKind | None:
        """Whether `path` ("/convene.live.v1.LiveService/StartLive") is served, and how."""

    async def unary(self, path: str, message: bytes, metadata: Metadata, peer: str,
                    timeout: float | None) -> UnaryAnswer: ...

    async def stream(self, path: str, message: bytes, metadata: Metadata, peer: str, timeout: float | None,
                     send_headers: SendHeaders, send: SendMessage) -> Outcome:
        """Runs the server stream: `send_headers` once with its headers (before its first
        message, or at its end), `send` with each message; returns how it ended."""


@dataclass(frozen=True)
class EdgeSettings:
    host: str
    port: int  # 0 lets the OS pick
    # Page origins allowed to call (scheme://host:port), or "*" for any. Bearer tokens travel in a
    # header, never in cookies, so "*" exposes nothing a page could not already send.
    cors_origins: tuple[str, ...] = ("*",)
    max_request_bytes: int = 4 * 1024 * 1024


class BrowserEdge:
    """One HTTP server in the current event loop answering gRPC-Web and Connect for `upstream`."""

    def __init__(self, settings: EdgeSettings, upstream: Upstream,
                 extra_routes: Iterable[tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]] = (),
                 ) -> None:
        self.settings = settings
        self.upstream = upstream
        self.port = 0
        self._extra_routes = tuple(extra_routes)
        self._runner: web.AppRunner | None = None
        self._any_origin = "*" in settings.cors_origins

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=self.settings.max_request_bytes)
        app.router.add_route("OPTIONS", "/{service}/{method}", self._preflight)
        app.router.add_route("POST", "/{service}/{method}", self._call)
        for method, path, handler in self._extra_routes:
            app.router.add_route(method, path, handler)
        # A browser that closes its stream cancels the handler, which cancels the upstream call.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------------------- CORS

    def _allowed_origin(self, request: web.Request) -> str | None:
        origin = request.headers.get("Origin")
        if origin is None:
            return None
        return origin if self._any_origin or origin.rstrip("/") in self.settings.cors_origins else None

    def cors(self, request: web.Request) -> dict[str, str]:
        origin = self._allowed_origin(request)
        if origin is None:
            return {}
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
                "Access-Control-Expose-Headers": EXPOSED_RESPONSE_HEADERS}

    async def _preflight(self, request: web.Request) -> web.Response:
        if self._allowed_origin(request) is None:
            return web.Response(status=403, text="origin not allowed")
        headers = self.cors(request)
        headers.update({"Access-Control-Allow-Methods": "POST, OPTIONS",
                        "Access-Control-Allow-Headers": ALLOWED_REQUEST_HEADERS,
                        "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S)})
        return web.Response(status=204, headers=headers)

    # ------------------------------------------------------------------------------- calls

    async def _call(self, request: web.Request) -> web.StreamResponse:
        protocol = Wire.of(request.headers.get("Content-Type", ""))
        if protocol is None:
            return web.Response(status=415, headers=self.cors(request),
                                text="use gRPC-Web (application/grpc-web+proto) or Connect with binary "
                                     "messages (application/proto, application/connect+proto)")
        kind = self.upstream.kind(request.path)
        try:
            if kind is None:
                raise WireError(grpc.StatusCode.UNIMPLEMENTED, f"no such method: {request.path}")
            if protocol is not Wire.GRPC_WEB and (kind == "stream") != (protocol is Wire.CONNECT_STREAM):
                raise WireError(grpc.StatusCode.UNIMPLEMENTED,
                                "server streams take application/connect+proto, unary calls application/proto")
            message = wire.request_message(protocol, await request.read())
            metadata = wire.request_metadata(request.headers.items())
            timeout = wire.timeout_s(protocol, request.headers)
        except WireError as refusal:
            return self._refuse(request, protocol, refusal)
        peer = _peer(request)
        if kind == "stream":
            return await self._stream(request, protocol, message, metadata, peer, timeout)
        answer = await self.upstream.unary(request.path, message, metadata, peer, timeout)
        return self._unary_response(request, protocol, answer)

    def _unary_response(self, request: web.Request, protocol: Wire, answer: UnaryAnswer) -> web.Response:
        headers = self.cors(request)
        extra = wire.response_headers(answer.initial)
        if protocol is Wire.CONNECT_UNARY:
            extra += wire.connect_unary_trailers(answer.outcome.trailing)
            if answer.reply is None:
                return _response(wire.connect_http_status(answer.outcome.code), headers, extra, "application/json",
                                 _json(wire.connect_error(answer.outcome)))
            return _response(200, headers, extra, protocol.response_content_type, answer.reply)
        body = (wire.frame(answer.reply) if answer.reply is not None else b"") + wire.grpc_web_trailer(answer.outcome)
        return _response(200, headers, extra, protocol.response_content_type, body)

    async def _stream(self, request: web.Request, protocol: Wire, message: bytes, metadata: Metadata, peer: str,
                      timeout: float | None) -> web.StreamResponse:
        response = web.StreamResponse(status=200, headers=self.cors(request))
        response.content_type = protocol.response_content_type

        async def send_headers(initial: Metadata) -> None:
            # Headers go out when the upstream sends its own, as a native client would see them.
            if not response.prepared:
                for key, value in wire.response_headers(initial):
                    response.headers.add(key, value)
                await response.prepare(request)

        async def send(chunk: bytes) -> None:
            await send_headers(())
            await response.write(wire.frame(chunk))

        outcome = await self.upstream.stream(request.path, message, metadata, peer, timeout, send_headers, send)
        await send_headers(())
        end = wire.grpc_web_trailer(outcome) if protocol is Wire.GRPC_WEB else wire.connect_end_stream(outcome)
        await response.write(end)
        await response.write_eof()
        return response

    def _refuse(self, request: web.Request, protocol: Wire, refusal: WireError) -> web.Response:
        log.info("request refused by the browser edge", rpc=request.path, protocol=protocol.value,
                 code=refusal.code.name, why=refusal.message)
        outcome = Outcome(refusal.code, refusal.message)
        headers = self.cors(request)
        if protocol is Wire.CONNECT_UNARY:
            return _response(wire.connect_http_status(refusal.code), headers, [], "application/json",
                             _json(wire.connect_error(outcome)))
        end = wire.grpc_web_trailer(outcome) if protocol is Wire.GRPC_WEB else wire.connect_end_stream(outcome)
        return _response(200, headers, [], protocol.response_content_type, end)


def _peer(request: web.Request) -> str:
    """The caller as gRPC names a peer (`ipv4:127.0.0.1:5042`), for per-caller limits."""
    peername = request.transport.get_extra_info("peername") if request.transport is not None else None
    if not peername:
        return "unknown"
    host, port = peername[0], peername[1]
    return f"ipv6:[{host}]:{port}" if ":" in host else f"ipv4:{host}:{port}"


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _response(status: int, cors: dict[str, str], extra: list[tuple[str, str]], content_type: str,
              body: bytes) -> web.Response:
    response = web.Response(status=status, body=body, headers=cors)
    response.content_type = content_type
    for key, value in extra:
        response.headers.add(key, value)
    return response


# ------------------------------------------------------------------------------- in-process


class LocalContext:
    """What the RPC guard and the servicers use of `grpc.aio.ServicerContext`, for a call taken
    by the browser edge of the same process."""

    __slots__ = ("_code", "_details", "_metadata", "_peer", "_send_headers", "_trailing", "initial")

    def __init__(self, metadata: Metadata, peer: str, send_headers: SendHeaders | None = None) -> None:
        self._metadata = tuple(metadata)
        self._peer = peer
        self._send_headers = send_headers
        self._trailing: Metadata = ()
        self._code: grpc.StatusCode | None = None
        self._details = ""
        self.initial: Metadata = ()

    def invocation_metadata(self) -> Metadata:
        return self._metadata

    def peer(self) -> str:
        return self._peer

    def set_trailing_metadata(self, trailing_metadata: Metadata) -> None:
        self._trailing = tuple(trailing_metadata)

    def trailing_metadata(self) -> Metadata:
        return self._trailing

    async def send_initial_metadata(self, initial_metadata: Metadata) -> None:
        self.initial = tuple(initial_metadata)
        if self._send_headers is not None:
            await self._send_headers(self.initial)

    async def abort(self, code: grpc.StatusCode, details: str = "", trailing_metadata: Metadata = ()) -> None:
        self._code, self._details = code, details
        if trailing_metadata:
            self._trailing = tuple(trailing_metadata)
        raise grpc.aio.AbortError()

    def code(self) -> grpc.StatusCode | None:
        return self._code

    def outcome(self) -> Outcome:
        if self._code is None:
            return Outcome(grpc.StatusCode.OK, "", self._trailing)
        return Outcome(self._code, self._details, self._trailing)


_DEADLINE_EXCEEDED = Outcome(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded")


class LocalUpstream:
    """The guarded handlers of this process's gRPC server (path -> grpc.RpcMethodHandler)."""

    def __init__(self, handlers: dict[str, Any]) -> None:
        self._handlers = handlers
        self._kinds: dict[str, MethodKind] = {}
        for path, handler in handlers.items():
            if handler.unary_unary is not None:
                self._kinds[path] = "unary"
            elif handler.unary_stream is not None:
                self._kinds[path] = "stream"

    def kind(self, path: str) -> MethodKind | None:
        return self._kinds.get(path)

    async def unary(self, path: str, message: bytes, metadata: Metadata, peer: str,
                    timeout: float | None) -> UnaryAnswer:
        handler = self._handlers[path]
        context = LocalContext(metadata, peer)
        try:
            async with _deadline(timeout):
                response = await handler.unary_unary(handler.request_deserializer(message), context)
        except grpc.aio.AbortError:
            return UnaryAnswer(None, context.outcome(), ())
        except TimeoutError:
            return UnaryAnswer(None, _DEADLINE_EXCEEDED, ())
        return UnaryAnswer(handler.response_serializer(response), context.outcome(), ())

    async def stream(self, path: str, message: bytes, metadata: Metadata, peer: str, timeout: float | None,
                     send_headers: SendHeaders, send: SendMessage) -> Outcome:
        handler = self._handlers[path]
        context = LocalContext(metadata, peer, send_headers)
        serialize = handler.response_serializer
        responses = handler.unary_stream(handler.request_deserializer(message), context)
        try:
            # One task runs the whole stream: the guard's context variables (principal, log ids)
            # are set in it and seen by every later step.
            async with _deadline(timeout), contextlib.aclosing(responses):
                async for response in responses:
                    await send(serialize(response))
        except grpc.aio.AbortError:
            pass
        except TimeoutError:
            return _DEADLINE_EXCEEDED
        return context.outcome()


def _deadline(timeout: float | None) -> contextlib.AbstractAsyncContextManager[object]:
    return asyncio.timeout(timeout) if timeout is not None else contextlib.nullcontext()
