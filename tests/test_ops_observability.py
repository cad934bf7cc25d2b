"""What ops see of one live start, with the services run as ops run them (a process each, logs at
info, metrics on a port each, traces exported with OTLP/gRPC to a receiver in this test):
- each service's /metrics shows the RPCs, the events its consumers took and the deliveries, with
  the right counts, and its backlogs drain to zero;
- one trace holds spans from live, identity, groups and notifications;
- grepping the live id over the services' logs follows the live, and the RPC's line carries the
  request id the client sent, which comes back in the response headers.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import nats
import pytest
from nats.js.api import DeliverPolicy
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from convene.live.v1 import live_pb2
from infra.embedded import NatsCluster
from services.runtime.db import ensure_database
from tests.bench.system import ProcessSystem
from tests.harness import StreamRecorder, bearer, error_reason, eventually, request_id

START_LIVE = "/convene.live.v1.LiveService/StartLive"


@dataclass(frozen=True)
class SpanSeen:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_id: str


class OtlpReceiver(trace_service_pb2_grpc.TraceServiceServicer):
    """The trace half of an OpenTelemetry Collector's OTLP/gRPC receiver: keeps what it is sent."""

    def __init__(self) -> None:
        self.spans: list[SpanSeen] = []

    async def Export(self, request: trace_service_pb2.ExportTraceServiceRequest,
                     context: grpc.aio.ServicerContext) -> trace_service_pb2.ExportTraceServiceResponse:
        for resource_spans in request.resource_spans:
            service = next((a.value.string_value for a in resource_spans.resource.attributes
                            if a.key == "service.name"), "")
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    self.spans.append(SpanSeen(service, span.name, span.trace_id.hex(), span.span_id.hex(),
                                               span.parent_span_id.hex()))
        return trace_service_pb2.ExportTraceServiceResponse()

    def in_trace(self, trace_id: str) -> list[SpanSeen]:
        return [s for s in self.spans if s.trace_id == trace_id]


@pytest.fixture(scope="module")
async def ops(postgres, tmp_path_factory) -> AsyncIterator[tuple[ProcessSystem, OtlpReceiver]]:
    run_dir: Path = tmp_path_factory.mktemp("ops")
    receiver = OtlpReceiver()
    collector = grpc.aio.server()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(receiver, collector)
    otlp_port = collector.add_insecure_port("127.0.0.1:0")
    await collector.start()
    nats_server = NatsCluster(run_dir / "nats", size=1)
    nats_server.start()
    database = "ops_observability"
    await ensure_database(postgres.url, database)
    system = ProcessSystem(nats_server.urls, postgres.dsn(database), run_dir, LOG_LEVEL="info",
                           OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{otlp_port}")
    try:
        await asyncio.to_thread(system.start_processes)
        await system.sign_in_operator()
        yield system, receiver
    finally:
        await system.stop()
        await asyncio.to_thread(system.stop_processes)
        nats_server.stop()
        await collector.stop(0)


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(system: ProcessSystem, service: str) -> Samples:
    def get() -> str:
        with urllib.request.urlopen(f"http://{system.metrics_address_of(service)}/metrics", timeout=10) as reply:
            return reply.read().decode()

    samples: Samples = {}
    for family in text_string_to_metric_families(await asyncio.to_thread(get)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def log_lines(path: Path, needle: str) -> list[dict]:
    lines = []
    for raw in path.read_text(errors="replace").splitlines():
        if needle in raw:
            try:
                lines.append(json.loads(raw))
            except ValueError:
                continue
    return lines


async def test_a_live_start_seen_in_metrics_trace_and_logs(ops: tuple[ProcessSystem, OtlpReceiver]) -> None:
    system, receiver = ops
    identity_before = await scrape(system, "identity")
    org = await system.create_org(members=4)
    identity_after = await scrape(system, "identity")
    add_member = "/convene.identity.v1.IdentityService/AddMember"
    # The admin and four members, each added by one call.
    assert value(identity_after, "convene_rpc_handled_total", method=add_member, code="OK") - \
        value(identity_before, "convene_rpc_handled_total", method=add_member, code="OK") == 5
    assert value(identity_after, "convene_rpc_duration_seconds_count", method=add_member) >= 5

    host = org.member_ids[0]
    group_id = await system.create_group(org.tokens[host], [org.admin_id, *org.member_ids[1:]])
    streams = [StreamRecorder(system, token) for token in org.tokens.values()]
    await asyncio.gather(*(s.ready() for s in streams))
    before = {name: await scrape(system, name) for name in system.processes}

    # A refused call is counted with its status.
    live = system.stub("live")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await live.StartLive(live_pb2.StartLiveRequest(request_id=request_id(), title="no group"),
                             metadata=bearer(org.tokens[host]))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT and error_reason(refused.value)
    # A refused call names its request id too (a new one, since the client sent none).
    echoed = dict(refused.value.trailing_metadata() or ())
    assert str(echoed["x-request-id"]).startswith("req_")

    # What JetStream holds of the start: the trace rides in the NATS headers as well as the envelope.
    nc = await nats.connect(system.nats_url.split(","))
    headers_seen: list[tuple[str, dict[str, str]]] = []

    async def on_event(msg: Any) -> None:
        headers_seen.append((msg.subject, dict(msg.headers or {})))

    await nc.jetstream().subscribe("live.v1.session.started", ordered_consumer=True, cb=on_event,
                                   deliver_policy=DeliverPolicy.NEW)
    trace_id, parent_span = secrets.token_hex(16), secrets.token_hex(8)
    call = live.StartLive(
        live_pb2.StartLiveRequest(request_id=request_id(), group_id=group_id, title="all-hands"),
        metadata=(*bearer(org.tokens[host]), ("x-request-id", "ops-start-1"),
                  ("traceparent", f"00-{trace_id}-{parent_span}-01")))
    reply = await call
    assert ("x-request-id", "ops-start-1") in tuple(await call.trailing_metadata())
    live_id = reply.live.id

    async def every_stream_has_the_card() -> bool:
        return all(s.cards_for(live_id) for s in streams)

    await eventually(every_stream_has_the_card, what="the live card on every member's stream")

    def grew(service: str, after: Samples, name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before[service], name, **labels)

    missing: list[str] = []

    async def counted() -> bool:
        live_now, groups_now, notifications_now = [await scrape(system, name)
                                                   for name in ("live", "groups", "notifications")]
        checks = {
            "live StartLive OK +1": grew("live", live_now, "convene_rpc_handled_total", method=START_LIVE,
                                         code="OK") == 1,
            "live StartLive INVALID_ARGUMENT +1": grew("live", live_now, "convene_rpc_handled_total",
                                                       method=START_LIVE, code="INVALID_ARGUMENT") == 1,
            "live--replay-prep handled +1": grew("live", live_now, "convene_consumer_events_total",
                                                 consumer="live--replay-prep", outcome="handled") == 1,
            "live--media-grants handled +1": grew("live", live_now, "convene_consumer_events_total",
                                                  consumer="live--media-grants", outcome="handled") == 1,
            "live asked identity": grew("live", live_now, "convene_nats_request_duration_seconds_count",
                                        subject="identity.v1.authorize", outcome="answered") >= 1,
            "live outbox empty": value(live_now, "convene_outbox_waiting") == 0,
            "groups--live-cards handled +1": grew("groups", groups_now, "convene_consumer_events_total",
                                                  consumer="groups--live-cards", outcome="handled") == 1,
            "groups published": grew("groups", groups_now, "convene_outbox_published_total") >= 1,
            "groups--live-cards nothing pending": value(groups_now, "convene_consumer_pending",
                                                        consumer="groups--live-cards") == 0,
            "groups--live-cards nothing unacked": value(groups_now, "convene_consumer_ack_pending",
                                                        consumer="groups--live-cards") == 0,
            "notifications--groups handled +1": grew("notifications", notifications_now,
                                                     "convene_consumer_events_total",
                                                     consumer="notifications--groups", outcome="handled") == 1,
            # One fan-out, to every member's inbox, pushed to their open streams.
            "one fan-out": grew("notifications", notifications_now, "convene_fanout_recipients_count") == 1,
            "to every member": grew("notifications", notifications_now,
                                    "convene_fanout_recipients_sum") == len(streams),
            "streams open": value(notifications_now, "convene_streams_open") == len(streams),
        }
        missing[:] = [what for what, ok in checks.items() if not ok]
        return not missing

    try:
        await eventually(counted, timeout=30, what="the metrics to count the start")
    except AssertionError:
        raise AssertionError(f"metrics never showed: {missing}") from None
    live_now = await scrape(system, "live")
    assert value(live_now, "convene_rpc_duration_seconds_count", method=START_LIVE) - \
        value(before["live"], "convene_rpc_duration_seconds_count", method=START_LIVE) == 2
    assert value(live_now, "convene_db_pool_connections") >= 1
    assert value(live_now, "convene_consumer_handler_duration_seconds_count", consumer="live--replay-prep") >= 1
    assert value(live_now, "convene_sample_failed", sample="backlog") == 0

    # One trace, from the client's traceparent through every service the start went through.
    def services_in_trace() -> set[str]:
        return {s.service for s in receiver.in_trace(trace_id)}

    async def traced() -> bool:
        spans = receiver.in_trace(trace_id)
        names = {(s.service, s.name) for s in spans}
        return ({"live", "identity", "groups", "notifications"} <= services_in_trace()
                and ("live", START_LIVE) in names
                and ("groups", "groups--live-cards live.v1.session.started") in names
                and ("notifications", "notifications--groups groups.v1.card.posted") in names
                and ("notifications", "notifications.v1.push deliver") in names)

    await eventually(traced, timeout=30, what=f"one trace across the services (have {services_in_trace()})")
    spans = receiver.in_trace(trace_id)
    start_span = next(s for s in spans if s.name == START_LIVE)
    assert start_span.parent_id == parent_span  # the client's span is its parent
    by_id = {s.span_id: s for s in spans}
    # Every span of the trace hangs from another span of it, up to the client's.
    for span in spans:
        assert span.parent_id == parent_span or span.parent_id in by_id, span

    async def event_headers_seen() -> bool:
        return bool(headers_seen)

    await eventually(event_headers_seen, what="live.v1.session.started on the LIVE stream")
    await nc.close()
    traceparent = headers_seen[0][1].get("traceparent", "")
    assert traceparent.split("-")[1] == trace_id and traceparent.split("-")[2] in by_id

    # Logs: the live id leads through live, groups and notifications.
    for service in ("live", "groups", "notifications"):
        lines = log_lines(system.log_of(service), live_id)
        assert lines, f"{service}'s log never mentions {live_id}"
    handled = [line for line in log_lines(system.log_of("groups"), live_id) if line.get("event") == "event handled"]
    assert handled and handled[0]["consumer"] == "groups--live-cards" and handled[0]["outcome"] == "handled"
    assert handled[0]["correlation_id"] == live_id and "ms" in handled[0] and handled[0]["event_id"]
    notified = [line for line in log_lines(system.log_of("notifications"), live_id)
                if line.get("event") == "event handled"]
    assert any(line["consumer"] == "notifications--groups" for line in notified)
    rpc = [line for line in log_lines(system.log_of("live"), "ops-start-1") if line.get("event") == "rpc finished"]
    assert len(rpc) == 1
    assert rpc[0]["code"] == "OK" and rpc[0]["rpc"] == START_LIVE and rpc[0]["principal"] == host
    assert rpc[0]["level"] == "info" and rpc[0]["ms"] > 0
    assert log_lines(system.log_of("live"), live_id)[0]["event"] in ("live going on air", "event handled")

    for stream in streams:
        await stream.close()
