"""Generate the Python code for protos/ into protos/gen (one place, with .pyi stubs).

    python -m infra.protogen           # regenerate
    python -m infra.protogen --check   # fail if protos/gen is stale (run by the test suite)
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
    if not args.check:
        import shutil

        shutil.rmtree(GEN_ROOT / "convene", ignore_errors=True)
        generate(GEN_ROOT)
        print(f"generated {len(proto_files())} protos into {GEN_ROOT.relative_to(ROOT)}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        stale = stale_files(Path(tmp), GEN_ROOT)
    if stale:
        print("protos/gen is stale; run `make protos`:\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    print("protos/gen is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
