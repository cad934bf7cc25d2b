"""The error catalog for clients: `services/runtime/error_catalog.toml` says, for every
`google.rpc.ErrorInfo` reason Convene can answer with, its gRPC status, its metadata keys and
what a client should do. This module keeps it true against the code and renders it.

    python -m infra.errorcat           # write docs/ERRORS.md and clients/typescript/src/errors.gen.ts
    python -m infra.errorcat --check   # fail if code uses a reason the catalog lacks (or with another
                                       # status or metadata), if the catalog lists one nobody raises,
                                       # or if the rendered files are stale (make lint)
    python -m infra.errorcat --draft   # print catalog entries for the reasons it lacks, to fill in

The code is read, not run: every `InvalidArgument("REASON", ..., key=...)` (and the other
`services.runtime.errors` classes) under services/, the refusals of signed claims
(`ClaimsSigner.read(name="X")` raises X_EXPIRED, X_SIGNATURE_INVALID, X_MALFORMED) and identity's
authorization answers (relayed to callers as PERMISSION_DENIED).
"""

from __future__ import annotations

import argparse
import ast
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "services" / "runtime" / "error_catalog.toml"
DOC = ROOT / "docs" / "ERRORS.md"
TS = ROOT / "clients" / "typescript" / "src" / "errors.gen.ts"
SOURCES = ROOT / "services"

# services.runtime.errors: class -> gRPC status.
STATUS_OF_CLASS = {
    "InvalidArgument": "INVALID_ARGUMENT", "NotFound": "NOT_FOUND", "AlreadyExists": "ALREADY_EXISTS",
    "PermissionDenied": "PERMISSION_DENIED", "Unauthenticated": "UNAUTHENTICATED",
    "FailedPrecondition": "FAILED_PRECONDITION", "ResourceExhausted": "RESOURCE_EXHAUSTED",
    "Unavailable": "UNAVAILABLE", "OutOfRange": "OUT_OF_RANGE", "Aborted": "ABORTED",
    "DeadlineExceeded": "DEADLINE_EXCEEDED",
}
# What a client does with a refusal; every entry names one.
ACTIONS = {
    "fix-request": "A mistake in the request: fix the client (validate before sending); do not retry it as is.",
    "show-message": "A product rule refused it: tell the user why, in your words for the reason; do not retry as is.",
    "reauthenticate": "Get a fresh token (sign in again, or mint one), then retry.",
    "retry": "Transient: retry with exponential back-off (and jitter); the same request may succeed.",
    "retry-after": "Too many, too fast: wait what the metadata says (`retry_after_s`, also google.rpc.RetryInfo "
                   "where given), then retry.",
    "refresh": "What the call was about changed or is gone: reload it, update the view, then decide.",
    "resync": "The client is ahead of or behind the server: reload from the position in the metadata.",
}
# Signed claims (services/runtime/signing.py ClaimsSigner.read): suffix -> status, metadata.
CLAIM_REFUSALS = {"_EXPIRED": ("FAILED_PRECONDITION", ()), "_SIGNATURE_INVALID": ("PERMISSION_DENIED", ()),
                  "_MALFORMED": ("INVALID_ARGUMENT", ("field",))}
# Identity's authorization answers (request-reply), relayed to the caller of an RPC that asked.
AUTHORIZATION_SOURCE = SOURCES / "identity" / "authz.py"


@dataclass
class Use:
    """What the code does with one reason: its statuses, metadata keys, and where."""

    statuses: set[str] = field(default_factory=set)
    metadata: set[str] = field(default_factory=set)
    places: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Entry:
    reason: str
    statuses: tuple[str, ...]
    metadata: tuple[str, ...]
    action: str
    meaning: str


def _is_reason(value: object) -> bool:
    return isinstance(value, str) and value.isupper() and value.replace("_", "").isalnum() and len(value) > 2


def _record(uses: dict[str, Use], reason: str, status: str, keys: Iterable[str], place: str) -> None:
    use = uses.setdefault(reason, Use())
    use.statuses.add(status)
    use.metadata.update(keys)
    use.places.append(place)


def _reason_constants(trees: dict[Path, ast.Module]) -> dict[str, str]:
    """Module-level `NAME = "REASON"` constants (a reason shared by several raise sites), by name;
    a name bound to different reasons in different modules is left out (unreadable where used)."""
    found: dict[str, set[str]] = {}
    for tree in trees.values():
        for node in tree.body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and isinstance(node.value, ast.Constant) and _is_reason(node.value.value)):
                found.setdefault(node.targets[0].id, set()).add(str(node.value.value))
    return {name: next(iter(values)) for name, values in found.items() if len(values) == 1}


def _reason_of(node: ast.expr | None, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and _is_reason(node.value):
        return str(node.value)
    if isinstance(node, ast.Name | ast.Attribute):
        return constants.get(node.id if isinstance(node, ast.Name) else node.attr)
    return None


def scan(sources: Path = SOURCES) -> tuple[dict[str, Use], list[str]]:
    """(reason -> use, refusals whose reason the scan cannot read), from the code under `sources`."""
    uses: dict[str, Use] = {}
    unreadable: list[str] = []
    trees = {path: ast.parse(path.read_text(), str(path)) for path in sorted(sources.rglob("*.py"))}
    constants = _reason_constants(trees)
    for path, tree in trees.items():
        where = str(path.relative_to(sources.parent)) if path.is_relative_to(sources.parent) else str(path)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            keys = [k.arg for k in node.keywords if k.arg]
            place = f"{where}:{node.lineno}"
            if name in STATUS_OF_CLASS:
                first = node.args[0] if node.args else None
                reason = _reason_of(first, constants)
                if reason is not None:
                    _record(uses, reason, STATUS_OF_CLASS[name], keys, place)
                elif not _relayed_authorization(first) and not _claim_pattern(first):
                    unreadable.append(f"{place}: {ast.unparse(node)[:100]}")
            elif name == "read":
                claim = next((k.value for k in node.keywords if k.arg == "name"), None)
                if isinstance(claim, ast.Constant) and _is_reason(claim.value):
                    for suffix, (status, metadata) in CLAIM_REFUSALS.items():
                        _record(uses, f"{claim.value!s}{suffix}", status, metadata, place)
        if path.relative_to(sources).parts == AUTHORIZATION_SOURCE.relative_to(SOURCES).parts:
            for node in ast.walk(tree):
                # ("REASON", "message") pairs and _refused("REASON", ...) calls.
                first = node.elts[0] if isinstance(node, ast.Tuple) and len(node.elts) == 2 else (
                    node.args[0] if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_refused"
                    and node.args else None)
                if isinstance(first, ast.Constant) and _is_reason(first.value):
                    _record(uses, str(first.value), "PERMISSION_DENIED", (), f"{where}:{first.lineno}")
    return uses, unreadable


def _claim_pattern(node: ast.expr | None) -> bool:
    """`f"{name}_EXPIRED"` inside ClaimsSigner.read: its reasons are scanned at each `read(name=...)`."""
    if not isinstance(node, ast.JoinedStr) or not node.values:
        return False
    last = node.values[-1]
    return isinstance(last, ast.Constant) and last.value in CLAIM_REFUSALS


def _relayed_authorization(node: ast.expr | None) -> bool:
    """`allowed.reason or "NOT_ALLOWED"`: identity's answer passed on (its reasons are scanned there)."""
    if isinstance(node, ast.BoolOp) and isinstance(node.values[0], ast.Attribute) and node.values[0].attr == "reason":
        return all(isinstance(v, ast.Constant) for v in node.values[1:])
    return False


def _relayed_fallbacks(sources: Path = SOURCES) -> dict[str, Use]:
    """The literal fallbacks of relayed reasons (`allowed.reason or "NOT_ALLOWED"`)."""
    uses: dict[str, Use] = {}
    for path in sorted(sources.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in STATUS_OF_CLASS and node.args:
                first = node.args[0]
                if _relayed_authorization(first):
                    for value in first.values[1:]:  # type: ignore[attr-defined]
                        _record(uses, value.value, STATUS_OF_CLASS[node.func.id], [k.arg for k in node.keywords if k.arg],  # type: ignore[attr-defined]
                                f"{path.name}:{node.lineno}")
    return uses


def load(path: Path = CATALOG) -> dict[str, Entry]:
    data = tomllib.loads(path.read_text())
    entries = {}
    for reason, spec in data.get("reasons", {}).items():
        statuses = spec["code"] if isinstance(spec["code"], list) else [spec["code"]]
        entries[reason] = Entry(reason, tuple(statuses), tuple(spec.get("metadata", [])), spec["action"],
                                spec["meaning"].strip())
    return entries


def problems(entries: dict[str, Entry], uses: dict[str, Use]) -> list[str]:
    found = []
    for reason, use in sorted(uses.items()):
        entry = entries.get(reason)
        if entry is None:
            found.append(f"{reason}: used by the code ({use.places[0]}) but not in the catalog")
            continue
        if use.statuses != set(entry.statuses):
            found.append(f"{reason}: the code answers {sorted(use.statuses)}, the catalog says {list(entry.statuses)}")
        if use.metadata != set(entry.metadata):
            found.append(f"{reason}: the code sets metadata {sorted(use.metadata)}, the catalog lists "
                         f"{list(entry.metadata)}")
    for reason, entry in sorted(entries.items()):
        if reason not in uses:
            found.append(f"{reason}: in the catalog but nothing raises it (remove it)")
        if entry.action not in ACTIONS:
            found.append(f"{reason}: action {entry.action!r} is not one of {sorted(ACTIONS)}")
        if not entry.meaning:
            found.append(f"{reason}: says nothing about what it means")
    return found


def all_uses(sources: Path = SOURCES) -> tuple[dict[str, Use], list[str]]:
    uses, unreadable = scan(sources)
    for reason, use in _relayed_fallbacks(sources).items():
        for status in use.statuses:
            _record(uses, reason, status, use.metadata, use.places[0])
    return uses, unreadable


# --------------------------------------------------------------------------------- rendering


def render_markdown(entries: dict[str, Entry]) -> str:
    lines = [
        "# Error catalog",
        "",
        "<!-- Generated by `python -m infra.errorcat` from services/runtime/error_catalog.toml; do not edit. -->",
        "",
        "Every refusal Convene answers with carries a `google.rpc.ErrorInfo` in the status details",
        "(`grpc-status-details-bin`; Connect puts it in the error's `details`) with domain `convene.dev`,",
        "a stable UPPER_SNAKE_CASE `reason` and string `metadata`. Branch on the reason, never on the",
        "message (which is English, for logs and developers). The TypeScript client exports this table as",
        "`ERROR_CATALOG` and `clientAction(error)` (`clients/typescript/src/errors.gen.ts`).",
        "",
        "Statuses without an ErrorInfo: `INTERNAL` (a bug; the request id is in the logs: retry once, then",
        "report it), `UNAVAILABLE` or `DEADLINE_EXCEEDED` from the transport (retry with back-off),",
        "`UNIMPLEMENTED` (the method does not exist on this server), `CANCELLED` (the client gave up).",
        "",
        "## What to do",
        "",
        "| action | what a client does |",
        "|---|---|",
        *(f"| `{name}` | {text} |" for name, text in ACTIONS.items()),
        "",
        "## Reasons",
        "",
        "| reason | status | metadata | action | meaning |",
        "|---|---|---|---|---|",
    ]
    for entry in sorted(entries.values(), key=lambda e: e.reason):
        metadata = ", ".join(f"`{k}`" for k in entry.metadata) or "—"
        statuses = ", ".join(f"`{s}`" for s in entry.statuses)
        lines.append(f"| `{entry.reason}` | {statuses} | {metadata} | `{entry.action}` | "
                     f"{entry.meaning.replace('|', '&#124;')} |")
    return "\n".join(lines) + "\n"


def render_typescript(entries: dict[str, Entry]) -> str:
    rows = []
    for entry in sorted(entries.values(), key=lambda e: e.reason):
        codes = ", ".join(f'"{s}"' for s in entry.statuses)
        metadata = ", ".join(f'"{k}"' for k in entry.metadata)
        rows.append(f'  {entry.reason}: {{ codes: [{codes}], metadata: [{metadata}], action: "{entry.action}" }},')
    actions = " | ".join(f'"{a}"' for a in ACTIONS)
    return "\n".join([
        "// @generated by `python -m infra.errorcat` from services/runtime/error_catalog.toml; do not edit.",
        "/** What a client should do with a refusal (docs/ERRORS.md). */",
        f"export type ClientAction = {actions};",
        "",
        "export interface CatalogEntry {",
        "  /** gRPC status names the reason comes with. */",
        "  readonly codes: readonly string[];",
        "  /** ErrorInfo metadata keys it carries. */",
        "  readonly metadata: readonly string[];",
        "  readonly action: ClientAction;",
        "}",
        "",
        "/** Every ErrorInfo reason Convene answers with. */",
        "export const ERROR_CATALOG: Readonly<Record<string, CatalogEntry>> = {",
        *rows,
        "};",
        "",
    ])


def draft(missing: Iterable[str], uses: dict[str, Use]) -> str:
    out = []
    for reason in missing:
        use = uses[reason]
        code = sorted(use.statuses)
        out += [f"[reasons.{reason}]", f"code = {code[0]!r}" if len(code) == 1 else f"code = {code!r}",
                f"metadata = {sorted(use.metadata)!r}", 'action = "show-message"',
                f'meaning = "TODO ({use.places[0]})"', ""]
    return "\n".join(out).replace("'", '"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--draft", action="store_true")
    args = parser.parse_args(argv)
    entries = load()
    uses, unreadable = all_uses()
    if args.draft:
        print(draft(sorted(set(uses) - set(entries)), uses))
        return 0
    if not args.check:
        DOC.write_text(render_markdown(entries))
        TS.write_text(render_typescript(entries))
        print(f"{len(entries)} reasons: wrote {DOC.relative_to(ROOT)} and {TS.relative_to(ROOT)}")
        return 0
    found = problems(entries, uses)
    found += [f"a refusal whose reason is neither a literal nor a constant for one: {u}" for u in unreadable]
    for path, text in ((DOC, render_markdown(entries)), (TS, render_typescript(entries))):
        if not path.exists() or path.read_text() != text:
            found.append(f"{path.relative_to(ROOT)} is stale: run `python -m infra.errorcat`")
    if found:
        print("error catalog check failed:\n  " + "\n  ".join(found), file=sys.stderr)
        print("`python -m infra.errorcat --draft` prints entries for the missing reasons.", file=sys.stderr)
        return 1
    print(f"error catalog: {len(entries)} reasons, all used, all documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
