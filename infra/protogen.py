"""Generate the code for protos/: Python into protos/gen (with .pyi stubs), TypeScript into
clients/typescript/src/gen (protoc-gen-es from node_modules, run by buf).

    python -m infra.protogen           # regenerate both
    python -m infra.protogen --check   # fail if either is stale (make lint)
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
GEN_ROOT = PROTO_ROOT / "gen"
# Where buf.gen.ts.yaml writes, below the output base.
TS_GEN_RELATIVE = Path("clients") / "typescript" / "src" / "gen"
TS_GEN_ROOT = ROOT / TS_GEN_RELATIVE
TS_TEMPLATE = PROTO_ROOT / "buf.gen.ts.yaml"
# Besides Convene's protos, TypeScript clients need google.rpc.ErrorInfo to read refusals; the
# googleapis-common-protos wheel (a grpcio-status dependency) ships its .proto.
TS_EXTRA_PROTOS = ("google/rpc/error_details.proto",)


def proto_files() -> list[Path]:
    return sorted(p for p in (PROTO_ROOT / "convene").rglob("*.proto"))


def generate(out: Path) -> None:
    import grpc_tools
    from grpc_tools import protoc

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    out.mkdir(parents=True, exist_ok=True)
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *(str(p.relative_to(PROTO_ROOT)) for p in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    # Make every generated folder an importable package.
    for folder in [out / "convene", *(p for p in (out / "convene").rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()


def generate_typescript(out: Path) -> None:
    """TypeScript for `protos/` and TS_EXTRA_PROTOS into `out` (buf, with the local protoc-gen-es)."""
    import shutil
    import subprocess

    from google.rpc import error_details_pb2

    buf = Path(sys.executable).parent / "buf"
    plugin = ROOT / "node_modules" / ".bin" / "protoc-gen-es"
    if not plugin.exists():
        raise SystemExit("node_modules/.bin/protoc-gen-es is missing: run `npm ci` first")
    googleapis = Path(error_details_pb2.__file__).parent.parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        extra = Path(tmp)
        for name in TS_EXTRA_PROTOS:
            (extra / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(googleapis / name, extra / name)
        for source in (PROTO_ROOT, extra):
            # The template writes to clients/typescript/src/gen below the output base `-o`.
            subprocess.run([str(buf), "generate", "--template", str(TS_TEMPLATE), "-o", str(out), str(source)],
                           cwd=ROOT, check=True)


def stale_files(expected: Path, actual: Path) -> list[str]:
    def listing(root: Path) -> set[str]:
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}

    want, have = listing(expected), listing(actual)
    differ = [f for f in want & have if not filecmp.cmp(expected / f, actual / f, shallow=False)]
    return sorted((want ^ have) | set(differ))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if protos/gen is stale")
    args = parser.parse_args()
    ts_relative = TS_GEN_RELATIVE
    if not args.check:
        import shutil

        shutil.rmtree(GEN_ROOT / "convene", ignore_errors=True)
        generate(GEN_ROOT)
        shutil.rmtree(TS_GEN_ROOT, ignore_errors=True)
        generate_typescript(ROOT)
        print(f"generated {len(proto_files())} protos into {GEN_ROOT.relative_to(ROOT)} and {ts_relative}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp) / "python")
        generate_typescript(Path(tmp) / "ts")
        stale = stale_files(Path(tmp) / "python", GEN_ROOT)
        stale += [f"{ts_relative}/{f}" for f in stale_files(Path(tmp) / "ts" / ts_relative, TS_GEN_ROOT)]
    if stale:
        print("generated code is stale; run `make protos`:\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    print(f"protos/gen and {ts_relative} are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
