"""The API contract (DESIGN "gRPC rules"): protos/ passes `buf lint` (buf style guide), and the
generated Python in protos/gen and TypeScript in clients/typescript/src/gen are what the pinned
grpcio-tools and protoc-gen-es make of protos/ today, with a check that really notices when either
is stale."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUF = Path(sys.executable).parent / "buf"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def test_generated_code_is_up_to_date() -> None:
    """DESIGN: generated Python lives in one place with .pyi stubs; a check fails when it is stale."""
    result = run(sys.executable, "-m", "infra.protogen", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_stale_generated_code_is_noticed(tmp_path: Path) -> None:
    """DESIGN: the staleness check is not vacuous: an edited and a missing generated file fail it."""
    gen, ts_gen = tmp_path / "gen", tmp_path / "ts"
    shutil.copytree(ROOT / "protos" / "gen", gen, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "clients" / "typescript" / "src" / "gen", ts_gen)
    stub = next(gen.rglob("live_pb2.pyi"))
    stub.write_text(stub.read_text() + "\n# edited by hand\n")
    next(gen.rglob("envelope_pb2.py")).unlink()
    typescript = next(ts_gen.rglob("notifications_pb.ts"))
    typescript.write_text(typescript.read_text() + "\n// edited by hand\n")
    script = (
        "import sys; from pathlib import Path; import infra.protogen as p; "
        f"p.GEN_ROOT = Path({str(gen)!r}); p.TS_GEN_ROOT = Path({str(ts_gen)!r}); "
        "sys.argv = ['protogen', '--check']; sys.exit(p.main())"
    )
    result = run(sys.executable, "-c", script)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "live_pb2.pyi" in result.stderr and "envelope_pb2.py" in result.stderr
    assert "notifications_pb.ts" in result.stderr


def test_buf_lint_passes() -> None:
    """DESIGN gRPC rules: protos/ follows the buf style guide; `buf lint` passes."""
    assert BUF.exists(), f"buf is not installed next to {sys.executable} (pip install -e '.[dev]')"
    result = run(str(BUF), "lint", cwd=ROOT / "protos")
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_lint_catches_a_style_violation(tmp_path: Path) -> None:
    """DESIGN gRPC rules: the lint configuration enforces the style guide (a control case that a
    wrong enum zero value and a non-versioned package are reported)."""
    shutil.copy(ROOT / "protos" / "buf.yaml", tmp_path / "buf.yaml")
    (tmp_path / "bad.proto").write_text(
        'syntax = "proto3";\npackage convene;\nenum Kind { FIRST = 0; }\n'
    )
    result = run(str(BUF), "lint", cwd=tmp_path)
    assert result.returncode != 0
    assert "bad.proto" in result.stdout + result.stderr
