"""The gRPC server every service runs: `create_server()` returns the server, its port, its health
servicer and its guarded handlers (which the browser edge of the same process calls in-process).

One guard wraps every RPC handler: a request id bound to the logs (the client's `x-request-id`
or a new one, echoed back: in the trailers of a unary call, the headers of a stream),
bearer-token authentication (signature by identity's published key, expiry, revocation; a stream
ends when its token expires), the request's validation plan (runtime.validate), and domain-error
mapping to a status with a `google.rpc.ErrorInfo`, UNAVAILABLE / DEPENDENCY_UNAVAILABLE with a
`google.rpc.RetryInfo` when PostgreSQL or NATS cannot be reached (its warning logged once per
outage, not per request), and INTERNAL (never UNKNOWN, never a traceback) for anything else.
It also writes the one info line per RPC (method, status, duration, principal, request id),
counts it in the service's metrics and opens its trace span: all on the call path it already
runs, so observability adds no interceptor.
The handlers are wrapped once, when they are registered, rather than by a grpc.aio server
interceptor: an interceptor runs its own coroutines on every call and, measured, took a third of
a small call's server CPU (a gRPC echo: 235 -> 347 us per call).
Health starts NOT_SERVING; the service flips it when its database and NATS are ready.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import grpc
import structlog
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer as AioHealthServicer
from grpc_reflection.v1alpha import reflection

from services.runtime import tracing
from services.runtime.auth import LEEWAY_S, Principal, TokenVerifier, current_principal
from services.runtime.dependencies import DEPENDENCY_UNAVAILABLE, unavailable_dependency
from services.runtime.errors import DomainError, InvalidArgument, ResourceExhausted, Unauthenticated, Unavailable
from services.runtime.ids import new_id
from services.runtime.logs import get_logger
from services.runtime.metrics import Metrics
from services.runtime.pagination import PageTokens, current_page_tokens
from services.runtime.revocations import Revocations
from services.runtime.validate import RequestPlan, request_plan

log = get_logger(__name__)

_MALFORMED = object()  # what a request deserializes to when its bytes are not the message
_TOO_LARGE = object()  # ... when it is longer than MAX_REQUEST_BYTES
ERROR_DOMAIN = "convene.dev"
REQUEST_ID = "x-request-id"
# Message sizes. A request up to MAX_REQUEST_BYTES is served; one up to the gRPC core's limit
# (_CORE_MAX_RECEIVE_BYTES) is refused by the guard with RESOURCE_EXHAUSTED and an ErrorInfo
# (REQUEST_TOO_LARGE); past that the core refuses it itself, before any of our code runs, with
# RESOURCE_EXHAUSTED and no ErrorInfo (gRPC gives a server no hook there). The largest request
# an RPC takes (2,000 ids) is about 70 KB.
MAX_REQUEST_BYTES = 1024 * 1024
_CORE_MAX_RECEIVE_BYTES = 4 * 1024 * 1024


def _status_details(code: grpc.StatusCode, error: DomainError) -> bytes:
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN, metadata=error.metadata))
    details = [info]
    retry_after_s = getattr(error, "retry_after_s", None)
    if retry_after_s is not None:  # AIP-193: when to try again, beside the reason
        retry = any_pb2.Any()
        delay = duration_pb2.Duration()
        delay.FromMilliseconds(int(retry_after_s * 1000))
        retry.Pack(error_details_pb2.RetryInfo(retry_delay=delay))
        details.append(retry)
    return status_pb2.Status(code=code.value[0], message=error.message, details=details).SerializeToString()


def dependency_unavailable(dependency: str) -> Unavailable:
    """What a client is told when `dependency` cannot be reached: retry, it is not a bug."""
    return Unavailable(DEPENDENCY_UNAVAILABLE, f"{dependency} cannot be reached right now; try again",
                       dependency=dependency)


async def abort_with(context: grpc.aio.ServicerContext, error: DomainError) -> None:
    # Trailing metadata given to abort replaces what was set (the echoed x-request-id): keep it.
    await context.abort(
        error.code,
        error.message,
        trailing_metadata=(*(context.trailing_metadata() or ()),
                           ("grpc-status-details-bin", _status_details(error.code, error))),
    )


def peer_host(peer: str) -> str:
    """The address of a gRPC peer: `ipv4:127.0.0.1:5042` / `ipv6:[::1]:5042` -> `127.0.0.1` / `::1`."""
    address = peer.split(":", 1)[-1]
    host = address.rsplit(":", 1)[0] if address.count(":") == 1 or address.startswith("[") else address
    return host.strip("[]")


def _bearer(metadata: Iterable[tuple[str, Any]] | None) -> str | None:
    for key, value in metadata or ():
        if key == "authorization":
            scheme, _, token = str(value).partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise Unauthenticated("TOKEN_MALFORMED", "authorization must be 'Bearer <token>'")
            return token.strip()
    return None


def _request_id(metadata: Iterable[tuple[str, Any]] | None) -> str:
    for key, value in metadata or ():
        if key == REQUEST_ID and isinstance(value, str) and 0 < len(value) <= 128:
            return value
    return new_id("request")


def _code_of(exc: BaseException) -> tuple[str, str]:
    """(status code name, ErrorInfo reason) a failed call ends with."""
    if isinstance(exc, DomainError):
        return exc.code.name, exc.reason
    if isinstance(exc, NotImplementedError):
        return "UNIMPLEMENTED", ""
    return "INTERNAL", ""


class _Outcome:
    """How one call ended, for its log line and metrics."""

    __slots__ = ("code", "reason")

    def __init__(self) -> None:
        self.code = "OK"
        self.reason = ""

    def aborted(self, context: grpc.aio.ServicerContext, exc: BaseException) -> None:
        if isinstance(exc, (asyncio.CancelledError, GeneratorExit)):
            self.code = "CANCELLED"
        elif self.code == "OK":  # a servicer's own context.abort()
            code = context.code()
            self.code = code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"


# Told that an RPC failed because a dependency is unreachable (the replica's Health logs it once).
UnavailableListener = Callable[[str, BaseException], None]


class RpcGuard:
    def __init__(self, verifier: TokenVerifier, public_methods: Iterable[str] = (),
                 revocations: Revocations | None = None, page_tokens: PageTokens | None = None,
                 metrics: Metrics | None = None, tracing_on: bool = False,
                 on_unavailable: UnavailableListener | None = None) -> None:
        self._verifier = verifier
        self._public = tuple(public_methods)
        self._revocations = revocations
        self._page_tokens = page_tokens
        self._metrics = metrics
        self._tracing_on = tracing_on
        self._on_unavailable = on_unavailable

    def _unavailable(self, dependency: str, exc: BaseException) -> None:
        if self._on_unavailable is not None:
            self._on_unavailable(dependency, exc)
        else:
            log.warning("rpc failed: dependency unreachable", dependency=dependency, error=str(exc))

    def _finished(self, method: str, outcome: _Outcome, started: float, *, stream: bool) -> None:
        seconds = time.perf_counter() - started
        principal = current_principal.get()
        if outcome.reason:
            log.info("rpc finished", code=outcome.code, reason=outcome.reason, ms=round(seconds * 1000, 2),
                     principal=principal.id if principal else "")
        else:
            log.info("rpc finished", code=outcome.code, ms=round(seconds * 1000, 2),
                     principal=principal.id if principal else "")
        if self._metrics is not None:
            self._metrics.rpc_done(method, outcome.code, None if stream else seconds)

    def _span(self, method: str, metadata: Any) -> Any:
        if not self._tracing_on:
            return tracing.OFF
        return tracing.span(method, kind=tracing.SpanKind.SERVER, traceparent=tracing.from_metadata(metadata),
                            attributes={"rpc.system": "grpc", "rpc.method": method})

    def _check_revoked(self, principal: Principal | None) -> None:
        if principal is not None and self._revocations is not None:
            self._revocations.check(principal)

    async def _authenticate(self, method: str, metadata: Any) -> Principal | None:
        token = _bearer(metadata)
        if token is None:
            if method in self._public:
                return None
            raise Unauthenticated("TOKEN_MISSING", "this call needs 'authorization: Bearer <token>'")
        principal = await self._verifier.verify_fetching(token)
        self._check_revoked(principal)
        return principal

    def guarded(self, service_name: str, handlers: dict[str, grpc.RpcMethodHandler]
                ) -> dict[str, grpc.RpcMethodHandler]:
        """`handlers` (method name -> handler, as generated code registers them) wrapped."""
        return {name: self._wrap(f"/{service_name}/{name}", handler) for name, handler in handlers.items()}

    def _wrap(self, method: str, handler: Any) -> Any:
        deserialize = handler.request_deserializer
        plan = _plan_of(handler)

        def safe_deserialize(data: bytes) -> Any:
            if len(data) > MAX_REQUEST_BYTES:
                return _TOO_LARGE
            try:
                return deserialize(data)
            except Exception:
                return _MALFORMED

        async def prepare(request: Any, metadata: Any) -> None:
            current_principal.set(await self._authenticate(method, metadata))
            _admit(request, plan)
            current_page_tokens.set(self._page_tokens)

        async def on_error(exc: BaseException, context: grpc.aio.ServicerContext, outcome: _Outcome) -> None:
            dependency = unavailable_dependency(exc)
            if dependency is not None:
                self._unavailable(dependency, exc)
                said = exc if isinstance(exc, Unavailable) and exc.reason == DEPENDENCY_UNAVAILABLE \
                    else dependency_unavailable(dependency)
                outcome.code, outcome.reason = _code_of(said)
                await abort_with(context, said)
            outcome.code, outcome.reason = _code_of(exc)
            if isinstance(exc, DomainError):
                await abort_with(context, exc)
            if isinstance(exc, NotImplementedError):  # a generated base method nobody overrode
                await context.abort(grpc.StatusCode.UNIMPLEMENTED, "this method is not implemented yet")
            log.exception("rpc failed")
            await context.abort(grpc.StatusCode.INTERNAL, "internal error; the request id is in the logs")

        if handler.unary_unary:
            behavior = handler.unary_unary

            async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                started = time.perf_counter()
                metadata = context.invocation_metadata()
                request_id = _request_id(metadata)
                outcome = _Outcome()
                with structlog.contextvars.bound_contextvars(request_id=request_id, rpc=method), \
                        self._span(method, metadata):
                    try:
                        # In the trailers: sent with the status at no cost of its own (separate
                        # headers first were measured at a tenth of a small call's server CPU).
                        context.set_trailing_metadata(((REQUEST_ID, request_id),))
                        await prepare(request, metadata)
                        return await behavior(request, context)
                    except (grpc.aio.AbortError, asyncio.CancelledError) as exc:
                        outcome.aborted(context, exc)
                        raise
                    except BaseException as exc:
                        await on_error(exc, context, outcome)
                    finally:
                        self._finished(method, outcome, started, stream=False)

            return grpc.unary_unary_rpc_method_handler(
                unary_unary, request_deserializer=safe_deserialize,
                response_serializer=handler.response_serializer,
            )

        if handler.unary_stream:
            stream_behavior = handler.unary_stream

            async def unary_stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
                started = time.perf_counter()
                metadata = context.invocation_metadata()
                request_id = _request_id(metadata)
                outcome = _Outcome()
                with structlog.contextvars.bound_contextvars(request_id=request_id, rpc=method), \
                        self._span(method, metadata):
                    try:
                        # In the headers: a stream's client needs it before the stream ends.
                        await context.send_initial_metadata(((REQUEST_ID, request_id),))
                        await prepare(request, metadata)
                        principal = current_principal.get()
                        async for response in _until_expiry(stream_behavior(request, context), principal):
                            # A stream opened before its token was revoked ends here.
                            self._check_revoked(principal)
                            yield response
                    except (grpc.aio.AbortError, asyncio.CancelledError, GeneratorExit) as exc:
                        outcome.aborted(context, exc)
                        raise
                    except BaseException as exc:
                        await on_error(exc, context, outcome)
                    finally:
                        self._finished(method, outcome, started, stream=True)

            serialize = handler.response_serializer

            def serialize_once(response: Any) -> bytes:
                # A stream may yield bytes already serialized: a fan-out serializes a message once
                # and hands the same bytes to every stream.
                return response if type(response) is bytes else serialize(response)

            return grpc.unary_stream_rpc_method_handler(
                unary_stream, request_deserializer=safe_deserialize, response_serializer=serialize_once)
        return handler  # client / bidi streaming: not used by Convene's APIs


async def _until_expiry(responses: AsyncIterator[Any], principal: Principal | None) -> AsyncIterator[Any]:
    """`responses`, ending with UNAUTHENTICATED TOKEN_EXPIRED when the caller's token expires
    (with the same leeway as its check at the start), even while the stream has nothing to send.
    The deadline covers only the wait for the next response, never the send of one.
    One timer for the whole stream: a timeout armed around each wait cost 30 us per item (a
    timer made and cancelled every time), more than the rest of a fan-out's Python per stream."""
    if principal is None:
        async for response in responses:
            yield response
        return
    task = asyncio.current_task()
    assert task is not None
    cancelling = task.cancelling()
    expired = waiting = cancelled_here = False

    def expire() -> None:
        nonlocal expired, cancelled_here
        expired = True
        if waiting:  # interrupt the wait; a send in progress finishes first
            cancelled_here = True
            task.cancel()

    timer = asyncio.get_running_loop().call_later(principal.expires_at + LEEWAY_S - time.time(), expire)
    iterator = aiter(responses)
    try:
        while True:
            if expired:
                raise _token_expired()
            waiting = True
            try:
                response = await anext(iterator)
            except StopAsyncIteration:
                return
            except asyncio.CancelledError:
                if cancelled_here and task.uncancel() <= cancelling:
                    raise _token_expired() from None
                raise
            finally:
                waiting = False
            yield response
    finally:
        timer.cancel()


def _token_expired() -> Unauthenticated:
    return Unauthenticated("TOKEN_EXPIRED", "the token of this stream expired; reconnect with a new one "
                           "and after_sequence")


def _plan_of(handler: Any) -> RequestPlan | None:
    """The validation plan of a handler's request type (generated code registers
    `<Request>.FromString` as the deserializer, so the class is its __self__)."""
    request_type = getattr(handler.request_deserializer, "__self__", None)
    descriptor = getattr(request_type, "DESCRIPTOR", None)
    return request_plan(descriptor) if descriptor is not None else None


def _admit(request: Any, plan: RequestPlan | None) -> None:
    """Refuse, before any work, a request that is not its message or that its plan refuses."""
    if request is _TOO_LARGE:
        raise ResourceExhausted("REQUEST_TOO_LARGE", f"requests are limited to {MAX_REQUEST_BYTES} bytes",
                                max_bytes=MAX_REQUEST_BYTES)
    if request is _MALFORMED:
        raise InvalidArgument("MALFORMED_REQUEST", "the request is not a valid message")
    if plan is not None:
        plan.check(request)


Registration = tuple[Callable[[Any, grpc.aio.Server], None], Any]


@dataclass(frozen=True)
class ServerTls:
    """PEM files of the server's certificate and key; with a client CA, clients must present a
    certificate it signed (mutual TLS)."""

    cert_file: str
    key_file: str
    client_ca_file: str = ""

    def credentials(self) -> grpc.ServerCredentials:
        with open(self.cert_file, "rb") as cert, open(self.key_file, "rb") as key:
            pair = (key.read(), cert.read())
        client_ca = None
        if self.client_ca_file:
            with open(self.client_ca_file, "rb") as ca:
                client_ca = ca.read()
        return grpc.ssl_server_credentials([pair], root_certificates=client_ca,
                                           require_client_auth=client_ca is not None)


class _GuardedServer:
    """What generated `add_<Service>Servicer_to_server` functions register on: the method
    handlers they hand over reach the real server wrapped by the guard."""

    def __init__(self, server: grpc.aio.Server, guard: RpcGuard) -> None:
        self._server = server
        self._guard = guard
        self._unguarded: set[str] = set()
        self.handlers: dict[str, grpc.RpcMethodHandler] = {}  # "/package.Service/Method" -> guarded

    def add_generic_rpc_handlers(self, handlers: Iterable[grpc.GenericRpcHandler]) -> None:
        # Generated code passes the same methods here (unguarded, as a generic handler) and to
        # add_registered_method_handlers (as a dict, which is wrapped there): take only the dict.
        for handler in handlers:
            if not isinstance(handler, grpc.ServiceRpcHandler):
                raise TypeError("register services through their generated add_*_to_server function")
            self._unguarded.add(handler.service_name())

    def add_registered_method_handlers(self, service_name: str,
                                       handlers: dict[str, grpc.RpcMethodHandler]) -> None:
        guarded = self._guard.guarded(service_name, handlers)
        self.handlers.update({f"/{service_name}/{name}": handler for name, handler in guarded.items()})
        self._server.add_registered_method_handlers(service_name, guarded)
        self._server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service_name, guarded),))
        self._unguarded.discard(service_name)

    def check(self) -> None:
        if self._unguarded:
            raise TypeError(f"services registered without a guard: {sorted(self._unguarded)}")


class GrpcServer(NamedTuple):
    server: grpc.aio.Server
    port: int
    health: AioHealthServicer
    handlers: dict[str, grpc.RpcMethodHandler]  # "/package.Service/Method" -> guarded handler


def create_server(
    registrations: list[Registration],
    service_names: list[str],
    *,
    verifier: TokenVerifier,
    host: str = "127.0.0.1",
    port: int = 0,
    public_methods: Iterable[str] = (),
    revocations: Revocations | None = None,
    page_tokens: PageTokens | None = None,
    metrics: Metrics | None = None,
    tracing_on: bool = False,
    tls: ServerTls | None = None,
    health_servicer: AioHealthServicer | None = None,
    on_unavailable: UnavailableListener | None = None,
) -> GrpcServer:
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", _CORE_MAX_RECEIVE_BYTES),
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
            # Calls that arrive faster than the server takes them wait in the core; past its
            # default of 1,000 it cancels them (CANCELLED), as when thousands of notification
            # streams reconnect at once after a replica restarts.
            ("grpc.server.max_pending_requests", 20_000),
            ("grpc.server.max_pending_requests_hard_limit", 40_000),
        ],
    )
    guarded = _GuardedServer(server, RpcGuard(verifier, public_methods, revocations, page_tokens, metrics, tracing_on,
                                              on_unavailable))
    for add, servicer in registrations:
        add(servicer, guarded)  # type: ignore[arg-type]  # registers like a grpc.aio.Server
    guarded.check()
    health_servicer = health_servicer or AioHealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [*service_names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME],
        server,
    )
    if tls is None:
        bound = server.add_insecure_port(f"{host}:{port}")
    else:
        bound = server.add_secure_port(f"{host}:{port}", tls.credentials())
    if bound == 0:
        raise OSError(f"cannot listen on {host}:{port}")
    return GrpcServer(server, bound, health_servicer, guarded.handlers)


# Health service name a liveness probe asks: SERVING from the moment the server listens until it
# stops, whatever the dependencies do ("" and each API follow the database and NATS: readiness).
LIVENESS = "liveness"


async def set_alive(health_servicer: AioHealthServicer) -> None:
    await health_servicer.set(LIVENESS, health_pb2.HealthCheckResponse.SERVING)


async def set_serving(health_servicer: AioHealthServicer, service_names: list[str], serving: bool) -> None:
    status = (
        health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
    )
    for name in ["", *service_names]:
        await health_servicer.set(name, status)
