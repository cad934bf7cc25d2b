"""OpenTelemetry traces, exported with OTLP/gRPC when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

One trace follows a user action across services: the RPC guard opens a server span (continuing
a `traceparent` the client sent), `new_envelope` writes the current span's W3C `traceparent`
into the event, each durable consumer's handling continues the trace of the event it took, and
core NATS messages (request-reply, the notifications push) carry `traceparent` as a header.

Not configured, nothing of this runs: each hook first finds no `Tracing` for its service and
returns (one context-variable read), and the SDK is never imported.

Each service process has its own `Tracing` (its own provider, so spans say which service made
them even when tests run several services in one process), found through `current`.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()
HEADER = "traceparent"


class Tracing:
    """The tracer of one service process."""

    def __init__(self, service: str, endpoint: str = "", *, exporter: Any = None) -> None:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        if exporter is None:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

            # http:// means plaintext (a collector beside the service); https:// uses TLS.
            exporter = OTLPSpanExporter(endpoint=endpoint, insecure=endpoint.startswith("http://"))
        self._provider = TracerProvider(resource=Resource.create({"service.name": service}))
        self._provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=500))
        self.tracer = self._provider.get_tracer("convene")

    def flush(self, timeout_s: float = 5.0) -> None:
        self._provider.force_flush(int(timeout_s * 1000))

    def shutdown(self) -> None:
        self._provider.shutdown()


# The tracing of the service whose task is running (None: tracing is off). Set by ServiceHost.
current: contextvars.ContextVar[Tracing | None] = contextvars.ContextVar("current_tracing", default=None)
OFF: contextlib.nullcontext[None] = contextlib.nullcontext()


def _context(traceparent: str | None) -> Context | None:
    if not traceparent:
        return None
    return _PROPAGATOR.extract({HEADER: traceparent})


def span(name: str, *, kind: SpanKind = SpanKind.INTERNAL, traceparent: str | None = None,
         attributes: Mapping[str, Any] | None = None) -> contextlib.AbstractContextManager[Any]:
    """A span of the current service (continuing `traceparent` when given); a no-op when off."""
    tracing = current.get()
    if tracing is None:
        return OFF
    return tracing.tracer.start_as_current_span(name, context=_context(traceparent), kind=kind,
                                                attributes=attributes)


def traceparent() -> str:
    """The W3C traceparent of the current span, '' when there is none (or tracing is off)."""
    if current.get() is None:
        return ""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return ""
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


def headers(extra: dict[str, str] | None = None) -> dict[str, str] | None:
    """NATS headers carrying the current trace (None when there is nothing to carry)."""
    parent = traceparent()
    if not parent:
        return extra
    return {**(extra or {}), HEADER: parent}


def from_headers(message_headers: Mapping[str, str] | None) -> str:
    return (message_headers or {}).get(HEADER, "")


def from_metadata(metadata: Any) -> str:
    for key, value in metadata or ():
        if key == HEADER:
            return str(value)
    return ""


@contextlib.contextmanager
def resumed(parent: str) -> Iterator[None]:
    """Make `parent` the current trace context (no span of its own), e.g. for an after-commit
    step that runs once the span that caused it has ended."""
    if current.get() is None or not parent:
        yield
        return
    from opentelemetry import context as otel_context

    token = otel_context.attach(_PROPAGATOR.extract({HEADER: parent}))
    try:
        yield
    finally:
        otel_context.detach(token)
