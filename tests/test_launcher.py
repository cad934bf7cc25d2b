"""`make run` as a newcomer sees it: embedded NATS and PostgreSQL, all five services and the
media edge SERVING, their addresses printed, reflection listing every service (through the
grpcurl binary), the edge's RTMP and HLS ports answering."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("identity", "groups", "live", "meetings", "notifications")


def test_make_run_reaches_serving_and_reflection_lists_every_service(tmp_path: Path) -> None:
    env = {k: v for k, v in __import__("os").environ.items()
           if k not in ("NATS_URL", "DATABASE_URL", "IDENTITY_BOOTSTRAP_SERVICE_ACCOUNT")}
    finished = subprocess.run(
        [sys.executable, "-m", "infra.run", "--check", "--run-dir", str(tmp_path / "run")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output[-4000:]
    for service in SERVICES:
        assert re.search(rf"{service}\s.*127\.0\.0\.1:\d+", output), f"no address printed for {service}"
        assert f"convene.{service}.v1." in output, f"reflection did not list {service}"
        # Each service's metrics answer on a port of its own, and NATS's monitoring is printed.
        assert re.search(rf"ok\s+{service}\s+http://127\.0\.0\.1:\d+/metrics\s+\d+ lines", output), \
            f"no metrics checked for {service}"
    ports = re.findall(r"http://127\.0\.0\.1:(\d+)/metrics", output)
    assert len(set(ports)) == len(ports) >= len(SERVICES)  # the media edge's too
    assert re.search(r"NATS .*monitoring http://127\.0\.0\.1:\d+", output)
    assert re.search(r"ok\s+media edge\s+rtmp://127\.0\.0\.1:\d+/live, http://127\.0\.0\.1:\d+/hls", output), output
    assert re.search(r"ok   gateway\s+http://127\.0\.0\.1:\d+", output), "the browser gateway did not come up"
    # The operator's token came from identity's CreateToken with the operator's own credential;
    # both are kept readable by this user only.
    run = tmp_path / "run"
    for secret in ("operator_credential", "operator_token"):
        assert (run / secret).stat().st_mode & 0o077 == 0, f"{secret} is readable by others"
    token = (run / "operator_token").read_text().strip()
    assert token.count(".") == 2 and token.startswith("eyJ"), "the operator token is not a JWT"
    assert (run / "operator_credential").read_text().startswith("svc_")
