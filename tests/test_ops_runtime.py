"""Configuration for real deployments and draining: refused settings name the variable and the
value, per-service connection settings, gRPC over TLS, and a replica that drains before it stops."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from convene.identity.v1 import identity_pb2, identity_pb2_grpc
from services.identity.service import DEFINITION as IDENTITY
from services.identity.settings import IdentitySettings
from services.notifications.settings import NotificationsSettings
from services.runtime import bus
from services.runtime.app import ServiceHost
from services.runtime.settings import Settings, SettingsError
from tests.harness import System, error_reason


def refusal(monkeypatch: pytest.MonkeyPatch, **variables: str) -> str:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        NotificationsSettings(service_name="notifications")
    return str(refused.value)


@pytest.mark.parametrize(("variables", "message"), [
    ({"GRPC_PORT": "fifty"}, "GRPC_PORT='fifty' refused: not a whole number"),
    ({"METRICS_PORT": "70000"}, "METRICS_PORT='70000' refused: not a port (0-65535, or off)"),
    ({"LOG_LEVEL": "loud"}, "LOG_LEVEL='loud' refused: must be one of debug, info, warning, error"),
    ({"DB_POOL_MIN": "20"}, "DB_POOL_MIN='20' refused: must be at least 1 and at most DB_POOL_MAX (10)"),
    ({"NATS_URL": "http://nats:4222"}, "NATS_URL='http://nats:4222' refused: 'http://nats:4222' is not a nats://"),
    ({"DRAIN_S": "-1"}, "DRAIN_S='-1.0' refused: must not be negative"),
    ({"SHUTDOWN_GRACE_S": "soon"}, "SHUTDOWN_GRACE_S='soon' refused: not a number"),
    ({"NOTIFICATIONS_FANOUT_CHUNK": "0"}, "NOTIFICATIONS_FANOUT_CHUNK='0' refused: must be positive"),
    ({"NOTIFICATIONS_RETENTION_S": "60"}, "NOTIFICATIONS_RETENTION_S='60.0' refused: must be at least a day"),
    ({"GRPC_TLS_CERT": "/no/such/cert.pem", "GRPC_TLS_KEY": "/no/such/key.pem"},
     "GRPC_TLS_CERT='/no/such/cert.pem' refused: no such file"),
    ({"GRPC_TLS_KEY": "/etc/hostname"}, "GRPC_TLS_CERT='' refused: GRPC_TLS_CERT and GRPC_TLS_KEY go together"),
    # The per-service variable is the one named.
    ({"NOTIFICATIONS_DATABASE_URL": "mysql://db/x"}, "NOTIFICATIONS_DATABASE_URL='mysql://db/x' refused"),
])
def test_a_refused_setting_names_its_variable_and_value(monkeypatch: pytest.MonkeyPatch,
                                                         variables: dict[str, str], message: str) -> None:
    assert message in refusal(monkeypatch, **variables)


def test_secrets_are_masked_in_refusals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDENTITY_BOOTSTRAP_SERVICE_ACCOUNT", "svc_x:hunter2")
    with pytest.raises(SettingsError) as refused:
        IdentitySettings(service_name="identity")
    assert "hunter2" not in str(refused.value)
    assert "IDENTITY_BOOTSTRAP_SERVICE_ACCOUNT='[13 characters]' refused: must be svc_" in str(refused.value)
    text = refusal(monkeypatch, DATABASE_URL="mysql://convene:s3cret@db/convene")
    assert "s3cret" not in text and "mysql://convene:***@db/convene" in text


def test_each_service_may_have_its_own_database_and_nats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://shared@db/convene")
    monkeypatch.setenv("NATS_URL", "nats://shared:4222")
    monkeypatch.setenv("NOTIFICATIONS_DATABASE_URL", "postgresql://inbox@db-inbox/convene")
    monkeypatch.setenv("NOTIFICATIONS_NATS_URL", "nats://a:4222,nats://b:4222")
    monkeypatch.setenv("NOTIFICATIONS_NATS_CREDS", "/etc/hostname")
    notifications = NotificationsSettings(service_name="notifications")
    live = Settings(service_name="live")
    assert notifications.database_url == "postgresql://inbox@db-inbox/convene"
    assert notifications.nats_servers == ["nats://a:4222", "nats://b:4222"]
    assert bus.options_from(notifications) == {"user_credentials": "/etc/hostname"}
    assert (live.database_url, live.nats_url, live.nats_creds) == ("postgresql://shared@db/convene",
                                                                    "nats://shared:4222", "")
    assert bus.options_from(live) == {}


def self_signed(folder: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no certificate to test gRPC TLS with")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


async def health(channel: grpc.aio.Channel) -> int:
    reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    return reply.status


async def test_grpc_over_tls(nats_server, database_url: str, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    system = System(nats_server.urls, database_url, grpc_tls_cert=str(cert), grpc_tls_key=str(key))
    host = await system.add_replica("identity")
    try:
        credentials = grpc.ssl_channel_credentials(root_certificates=cert.read_bytes())
        async with grpc.aio.secure_channel(host.address, credentials) as channel:
            assert await health(channel) == health_pb2.HealthCheckResponse.SERVING
        async with grpc.aio.insecure_channel(host.address) as plaintext:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await health(plaintext)
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        await system.stop()


async def test_a_stopping_replica_reports_not_serving_and_answers_while_it_drains(nats_server,
                                                                               database_url: str) -> None:
    drain_s = 1.5
    settings = System(nats_server.urls, database_url, drain_s=drain_s).settings_for(IDENTITY)
    host = ServiceHost(IDENTITY, settings)
    await host.start()
    async with grpc.aio.insecure_channel(host.address) as channel:
        assert await health(channel) == health_pb2.HealthCheckResponse.SERVING
        started = time.monotonic()
        stopping = asyncio.create_task(host.stop())
        while await health(channel) != health_pb2.HealthCheckResponse.NOT_SERVING:
            assert time.monotonic() - started < drain_s, "health did not turn NOT_SERVING at once"
            await asyncio.sleep(0.01)
        # Still answering: a call that reaches it now gets its real answer, not UNAVAILABLE.
        with pytest.raises(grpc.aio.AioRpcError) as answered:
            await identity_pb2_grpc.IdentityServiceStub(channel).CreateToken(
                identity_pb2.CreateTokenRequest(principal_id="not-an-id"), timeout=5)
        assert answered.value.code() == grpc.StatusCode.INVALID_ARGUMENT and error_reason(answered.value)
        assert time.monotonic() - started < drain_s
        await asyncio.wait_for(stopping, 30)
        assert time.monotonic() - started >= drain_s
