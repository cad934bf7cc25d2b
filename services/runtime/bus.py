"""NATS: the connection, stream definitions in code, and request-reply helpers.

Request-reply (core NATS) answers questions that need an answer now ("may P start a live?");
replicas of the answering service share the subject through a queue group.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import nats
from google.protobuf.message import DecodeError, Message
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import api
from nats.js.errors import BadRequestError, NotFoundError

from services.runtime import metrics, tracing
from services.runtime.dependencies import DEPENDENCY_UNAVAILABLE, describe, unavailable_dependency
from services.runtime.errors import DomainError, Unavailable
from services.runtime.logs import get_logger

if TYPE_CHECKING:
    from services.runtime.settings import Settings

log = get_logger(__name__)

# The stream keeps published ids this long to drop re-published copies (relay retries).
DUPLICATE_WINDOW_S = 120.0
_ERROR_HEADER = "Convene-Error"
# JetStream's err_code for a stream its cluster cannot place (yet).
_NO_PEERS_FOR_PLACEMENT = 10005


@dataclass(frozen=True)
class StreamSpec:
    """A JetStream stream owned by one service: `LIVE` holds `live.v1.*.*`."""

    name: str
    subjects: list[str]
    max_age_s: float = 7 * 24 * 3600
    extra: dict = field(default_factory=dict)

    @classmethod
    def for_service(cls, service: str) -> StreamSpec:
        return cls(name=service.upper(), subjects=[f"{service}.v1.*.*"])

    def config(self, replicas: int) -> api.StreamConfig:
        return api.StreamConfig(
            name=self.name,
            subjects=self.subjects,
            retention=api.RetentionPolicy.LIMITS,
            storage=api.StorageType.FILE,
            num_replicas=replicas,
            max_age=self.max_age_s,
            duplicate_window=DUPLICATE_WINDOW_S,
            **self.extra,
        )


def options_from(settings: Settings) -> dict[str, Any]:
    """Credentials and TLS for nats.connect from the settings (NATS_CREDS, NATS_TLS_*)."""
    options: dict[str, Any] = {}
    if settings.nats_creds:
        options["user_credentials"] = settings.nats_creds
    if settings.nats_tls_ca or settings.nats_tls_cert:
        context = ssl.create_default_context(cafile=settings.nats_tls_ca or None)
        if settings.nats_tls_cert:
            context.load_cert_chain(settings.nats_tls_cert, settings.nats_tls_key)
        options["tls"] = context
    return options


async def connect(servers: list[str], name: str, options: dict[str, Any] | None = None) -> NATS:
    # The client reports every failed reconnect attempt (4 a second while a server is away):
    # the first error of a disconnection is logged, the others counted into the reconnect line.
    errors_while_down = 0

    async def on_error(exc: Exception) -> None:
        nonlocal errors_while_down
        errors_while_down += 1
        if nc.is_connected or errors_while_down == 1:
            log.warning("nats error", error=describe(exc))

    async def on_disconnected() -> None:
        nonlocal errors_while_down
        errors_while_down = 0
        log.warning("nats disconnected")

    async def on_reconnected() -> None:
        nonlocal errors_while_down
        log.info("nats reconnected", server=str(nc.connected_url.netloc if nc.connected_url else ""),
                 errors_while_down=errors_while_down)
        errors_while_down = 0

    nc = await nats.connect(
        servers=servers,
        name=name,
        connect_timeout=2,
        reconnect_time_wait=0.25,
        max_reconnect_attempts=-1,
        ping_interval=5,
        max_outstanding_pings=3,
        error_cb=on_error,
        disconnected_cb=on_disconnected,
        reconnected_cb=on_reconnected,
        **(options or {}),
    )
    return nc


async def ensure_stream(nc: NATS, spec: StreamSpec, replicas: int, *, timeout_s: float = 30) -> None:
    """Create the stream or bring its config up to date; retries while the cluster elects leaders."""
    js = nc.jetstream()
    config = spec.config(replicas)
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            try:
                await js.stream_info(spec.name)
                await js.update_stream(config)
            except NotFoundError:
                await js.add_stream(config)
            return
        except BadRequestError as exc:
            # "No suitable peers for placement": a cluster whose nodes have not all met yet (seen
            # under load at start-up) cannot place R3 yet; any other bad request is final.
            if exc.err_code != _NO_PEERS_FOR_PLACEMENT or asyncio.get_running_loop().time() > deadline:
                raise
            log.info("waiting for jetstream peers to place stream", stream=spec.name, error=str(exc))
            await asyncio.sleep(0.5)
        except Exception as exc:  # no meta leader yet, timeouts while a node restarts
            if asyncio.get_running_loop().time() > deadline:
                raise
            log.info("waiting for jetstream to create stream", stream=spec.name, error=str(exc))
            await asyncio.sleep(0.5)


Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)


async def serve(
    nc: NATS, subject: str, request_type: type[Req], handler: Callable[[Req], Awaitable[Message]], *, queue: str
) -> Subscription:
    """Answer `subject` requests with `handler`. Domain errors travel back as an error header."""

    async def on_request(msg: Msg) -> None:
        try:
            request = request_type.FromString(msg.data)
            with tracing.span(subject, kind=tracing.SpanKind.SERVER, traceparent=tracing.from_headers(msg.headers),
                              attributes={"messaging.system": "nats", "messaging.destination.name": subject}):
                reply = await handler(request)
            await msg.respond(reply.SerializeToString())
        except DecodeError:
            await nc.publish(msg.reply, b"", headers={_ERROR_HEADER: "MALFORMED_REQUEST"})
        except DomainError as exc:
            await nc.publish(msg.reply, b"", headers={_ERROR_HEADER: exc.reason})
        except Exception as exc:
            if unavailable_dependency(exc) is not None:
                # The asker retries (and tells its caller to); the replica's health says why.
                log.debug("request not answered: a dependency is unreachable", subject=subject, error=describe(exc))
                await nc.publish(msg.reply, b"", headers={_ERROR_HEADER: DEPENDENCY_UNAVAILABLE})
                return
            log.exception("request handler failed", subject=subject)
            await nc.publish(msg.reply, b"", headers={_ERROR_HEADER: "INTERNAL"})

    return await nc.subscribe(subject, queue=queue, cb=on_request)


async def request(
    nc: NATS, subject: str, message: Message, response_type: type[Resp], *, timeout_s: float = 2.0
) -> Resp:
    """Ask another service; raises Unavailable (DEPENDENCY_UNAVAILABLE) when nobody answers in
    time or the answering service cannot reach its own dependencies."""
    service = subject.split(".", 1)[0]
    recorded = metrics.current.get()
    started = time.perf_counter()
    outcome = "answered"
    try:
        with tracing.span(subject, kind=tracing.SpanKind.CLIENT,
                          attributes={"messaging.system": "nats", "messaging.destination.name": subject}):
            reply = await nc.request(subject, message.SerializeToString(), timeout=timeout_s,
                                     headers=tracing.headers())
    except nats.errors.Error:  # no responders, timed out, connection closed or reconnecting
        outcome = "unavailable"
        raise Unavailable(
            DEPENDENCY_UNAVAILABLE, f"no answer on {subject}; try again", subject=subject, dependency=service
        ) from None
    finally:
        if recorded is not None:
            recorded.request_seconds.labels(subject, outcome).observe(time.perf_counter() - started)
    if reply.headers and _ERROR_HEADER in reply.headers:
        reason = reply.headers[_ERROR_HEADER]
        if reason == DEPENDENCY_UNAVAILABLE:
            raise Unavailable(DEPENDENCY_UNAVAILABLE, f"{service} cannot answer {subject} right now; try again",
                              subject=subject, dependency=service)
        raise Unavailable("DEPENDENCY_FAILED", f"{subject} failed: {reason}", subject=subject)
    return response_type.FromString(reply.data)
