"""The API reference, generated from the protos' comments into docs/API.md, and the checks that
keep those comments whole and true.

    python -m infra.apidocs           # write docs/API.md
    python -m infra.apidocs --check   # fail if an RPC, message or field of the public API has no
                                      # comment, if a limit the servicers enforce is not the one the
                                      # field's comment states, or if docs/API.md is stale (make lint)

Limits: a servicer that checks `v.require_text("title", request.title, max_len=MAX_TITLE)`,
`v.require_ids(..., max_count=N)` or `v.page_size(request.page_size, default=D, maximum=M)` in
its `StartLive` method enforces a limit on that request field; the field's comment must say
"At most N" (and "0 means D" for page sizes). The servicer is read, not run; a limit taken from
settings (`self._max_participants`) is named in the comment by its setting instead.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from google.protobuf import descriptor_pb2

from services.runtime.validate import MAX_REQUEST_ID

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
DOC = ROOT / "docs" / "API.md"
# The public API: the files that define gRPC services, which clients call (the bus messages beside
# them are internal), identity's first.
PUBLIC_FILES = tuple(sorted(
    (str(p.relative_to(PROTO_ROOT)) for p in (PROTO_ROOT / "convene").rglob("*.proto")
     if re.search(r"^service ", p.read_text(), re.MULTILINE)),
    key=lambda name: ("identity", "groups", "live", "meetings", "notifications").index(name.split("/")[1])
    if name.split("/")[1] in ("identity", "groups", "live", "meetings", "notifications") else 99))
SERVICERS = ("identity", "groups", "live", "meetings", "notifications")
# FileDescriptorProto field numbers, for source locations: message_type, enum_type, service;
# DescriptorProto field, nested_type, enum_type; EnumDescriptorProto value; ServiceDescriptorProto method.
_MESSAGE, _ENUM, _SERVICE = 4, 5, 6
_FIELD, _NESTED, _NESTED_ENUM, _VALUE, _METHOD = 2, 3, 4, 2, 2


def descriptor_set() -> descriptor_pb2.FileDescriptorSet:
    import grpc_tools
    from grpc_tools import protoc

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "api.binpb"
        args = ["protoc", f"-I{PROTO_ROOT}", f"-I{well_known}", f"--descriptor_set_out={out}",
                "--include_source_info", "--include_imports", *PUBLIC_FILES]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
        return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


@dataclass
class Documented:
    """Comments by element path ("convene.live.v1.StartLiveRequest.title")."""

    comments: dict[str, str]
    files: dict[str, descriptor_pb2.FileDescriptorProto]


def comments_of(files: descriptor_pb2.FileDescriptorSet) -> Documented:
    comments: dict[str, str] = {}
    for file in files.file:
        comments.update(_file_comments(file))
    return Documented(comments, {f.name: f for f in files.file})


def _file_comments(file: descriptor_pb2.FileDescriptorProto) -> dict[str, str]:
    located = {tuple(loc.path): (loc.leading_comments or loc.trailing_comments).strip()
               for loc in file.source_code_info.location}
    comments: dict[str, str] = {}

    def message(prefix: tuple[int, ...], msg: descriptor_pb2.DescriptorProto, scope: str) -> None:
        name = f"{scope}.{msg.name}"
        comments[name] = located.get(prefix, "")
        for i, fld in enumerate(msg.field):
            comments[f"{name}.{fld.name}"] = located.get((*prefix, _FIELD, i), "")
        for i, nested in enumerate(msg.nested_type):
            message((*prefix, _NESTED, i), nested, name)
        for i, enum in enumerate(msg.enum_type):
            enumeration((*prefix, _NESTED_ENUM, i), enum, name)

    def enumeration(prefix: tuple[int, ...], enum: descriptor_pb2.EnumDescriptorProto, scope: str) -> None:
        name = f"{scope}.{enum.name}"
        comments[name] = located.get(prefix, "")
        for i, value in enumerate(enum.value):
            comments[f"{name}.{value.name}"] = located.get((*prefix, _VALUE, i), "")

    for i, msg in enumerate(file.message_type):
        message((_MESSAGE, i), msg, file.package)
    for i, enum in enumerate(file.enum_type):
        enumeration((_ENUM, i), enum, file.package)
    for i, service in enumerate(file.service):
        name = f"{file.package}.{service.name}"
        comments[name] = located.get((_SERVICE, i), "")
        for j, method in enumerate(service.method):
            comments[f"{name}.{method.name}"] = located.get((_SERVICE, i, _METHOD, j), "")
    return comments


def _messages(file: descriptor_pb2.FileDescriptorProto) -> list[tuple[str, descriptor_pb2.DescriptorProto]]:
    found = []

    def walk(msg: descriptor_pb2.DescriptorProto, scope: str) -> None:
        found.append((f"{scope}.{msg.name}", msg))
        for nested in msg.nested_type:
            walk(nested, f"{scope}.{msg.name}")

    for msg in file.message_type:
        walk(msg, file.package)
    return found


def _enums(file: descriptor_pb2.FileDescriptorProto) -> list[tuple[str, descriptor_pb2.EnumDescriptorProto]]:
    found = [(f"{file.package}.{e.name}", e) for e in file.enum_type]
    for name, msg in _messages(file):
        found += [(f"{name}.{e.name}", e) for e in msg.enum_type]
    return found


def missing_comments(documented: Documented) -> list[str]:
    """RPCs, services, messages, enums and fields of the public files that say nothing."""
    missing = []
    for path in PUBLIC_FILES:
        file = documented.files[path]
        for service in file.service:
            name = f"{file.package}.{service.name}"
            missing += [name] if not documented.comments[name] else []
            missing += [f"{name}.{m.name}" for m in service.method if not documented.comments[f"{name}.{m.name}"]]
        for name, msg in _messages(file):
            if msg.options.map_entry:
                continue
            missing += [name] if not documented.comments[name] and not name.endswith(("Request", "Response")) else []
            missing += [f"{name}.{f.name}" for f in msg.field if not documented.comments[f"{name}.{f.name}"]]
        for name, _ in _enums(file):
            missing += [name] if not documented.comments[name] else []
    return missing


# ------------------------------------------------------------------------------------- limits


@dataclass(frozen=True)
class Limit:
    rpc: str  # "convene.live.v1.LiveService.StartLive"
    field: str  # "title"
    maximum: int | None
    default: int | None = None
    setting: str = ""  # "self._max_participants" when it comes from settings
    where: str = ""


def servicer_limits(documented: Documented) -> list[Limit]:
    """The limits each servicer method enforces on its request's top-level fields."""
    services = {service.name: f"{file.package}.{service.name}"
                for file in documented.files.values() for service in file.service}
    limits = []
    for service in SERVICERS:
        path = ROOT / "services" / service / "servicer.py"
        module = importlib.import_module(f"services.{service}.servicer")
        tree = ast.parse(path.read_text())
        # Module-level helpers a method calls with its request (`_creation(request)`) count as its own.
        helpers = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)}
        for cls in tree.body:
            if not isinstance(cls, ast.ClassDef) or not cls.bases:
                continue
            base = ast.unparse(cls.bases[0]).rsplit(".", 1)[-1]
            if not base.endswith("Servicer"):
                continue
            service_name = services.get(base.removesuffix("Servicer"), "")
            for method in cls.body:
                if isinstance(method, ast.AsyncFunctionDef | ast.FunctionDef) and method.name[:1].isupper():
                    limits += _limits_in(method, f"{service_name}.{method.name}", module.__dict__, path, helpers)
    return limits


def _limits_in(method: ast.AST, rpc: str, namespace: dict, path: Path,
               helpers: dict[str, ast.FunctionDef | ast.AsyncFunctionDef], seen: frozenset[str] = frozenset()) -> list[Limit]:
    found = []
    for node in ast.walk(method):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in helpers and name not in seen and any(getattr(a, "id", "") == "request" for a in node.args):
            found += _limits_in(helpers[name], rpc, namespace, path, helpers, seen | {name})
            continue
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        field = _request_field(node.args[1]) if name in ("require_text", "require_ids") and len(node.args) > 1 else None
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        if name == "require_request_id" and node.args and _request_field(node.args[0]):
            found.append(Limit(rpc, _request_field(node.args[0]) or "", MAX_REQUEST_ID, where=where))
        elif name == "require_text" and field and "max_len" in keywords:
            found.append(_limit(rpc, field, keywords["max_len"], None, namespace, where))
        elif name == "require_ids" and field and "max_count" in keywords:
            found.append(_limit(rpc, field, keywords["max_count"], None, namespace, where))
        elif name == "page_size" and node.args and "maximum" in keywords:
            field = _request_field(node.args[0])
            if field:
                found.append(_limit(rpc, field, keywords["maximum"], keywords.get("default"), namespace, where))
    return found


def _request_field(node: ast.expr) -> str | None:
    """`request.title` (or `request.title.strip()`) -> "title"."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "request":
        return node.attr
    return None


def _limit(rpc: str, field: str, maximum: ast.expr, default: ast.expr | None, namespace: dict, where: str) -> Limit:
    def value(node: ast.expr | None) -> int | None:
        if node is None:
            return None
        return int(eval(compile(ast.Expression(node), "<limit>", "eval"), dict(namespace)))  # module constants only

    try:
        return Limit(rpc, field, value(maximum), value(default), where=where)
    except (NameError, AttributeError, TypeError):
        return Limit(rpc, field, None, None, setting=ast.unparse(maximum), where=where)


def _states(comment: str, number: int) -> bool:
    text = comment.replace("\n", " ")
    return bool(re.search(rf"\b(?:at most|up to) ({number}|{number:,})\b", text, re.IGNORECASE))


def limit_problems(documented: Documented, limits: list[Limit]) -> list[str]:
    problems = []
    inputs = {}
    for path in PUBLIC_FILES:
        file = documented.files[path]
        for service in file.service:
            for method in service.method:
                inputs[f"{file.package}.{service.name}.{method.name}"] = method.input_type.lstrip(".")
    for limit in limits:
        message = inputs.get(limit.rpc)
        if message is None:
            continue
        comment = documented.comments.get(f"{message}.{limit.field}", "")
        where = f"{message}.{limit.field} (enforced at {limit.where})"
        if limit.maximum is None:
            setting = limit.setting.removeprefix("self._").upper()
            if setting.replace("_", "") not in comment.upper().replace("_", ""):
                problems.append(f"{where}: the limit comes from {limit.setting}; name its setting in the comment")
            continue
        if not _states(comment, limit.maximum):
            problems.append(f"{where}: the servicer allows at most {limit.maximum}; the comment says {comment!r}")
        if limit.default is not None and not re.search(rf"\b0 means {limit.default}\b", comment):
            problems.append(f"{where}: 0 means {limit.default}; the comment says {comment!r}")
    return problems


# ----------------------------------------------------------------------------------- rendering

_SCALARS = {
    1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 8: "bool", 9: "string", 12: "bytes",
    13: "uint32", 17: "sint32", 18: "sint64", 6: "fixed64", 7: "fixed32", 15: "sfixed32", 16: "sfixed64",
}


def _type(field: descriptor_pb2.FieldDescriptorProto, maps: dict[str, descriptor_pb2.DescriptorProto]) -> str:
    if field.type_name:
        name = field.type_name.lstrip(".")
        if name in maps:
            key, value = maps[name].field
            return f"map<{_type(key, maps)}, {_type(value, maps)}>"
        short = name.rsplit(".", 1)[-1]
        linked = f"[{short}](#{name.lower().replace('.', '')})" if name.startswith("convene.") else f"`{name}`"
        return f"repeated {linked}" if field.label == field.LABEL_REPEATED else linked
    scalar = _SCALARS.get(field.type, "?")
    return f"repeated {scalar}" if field.label == field.LABEL_REPEATED else scalar


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "&#124;")


def render(documented: Documented) -> str:
    out = ["# API reference", "",
           "<!-- Generated by `python -m infra.apidocs` from the comments in protos/; do not edit. -->", "",
           "Every RPC of Convene's public API, with its request and response, generated from the protos.",
           "Call them with native gRPC (each service's address), or from browsers through the gateway",
           "with gRPC-Web or Connect (binary), the same paths (`/convene.live.v1.LiveService/StartLive`).",
           "Every call but `CreateToken` carries `authorization: Bearer <token>`; send `accept-language`",
           "(`zh-Hans`, `en`) to get notification texts in that language. Refusals and what to do about",
           "them: [ERRORS.md](ERRORS.md).", ""]
    for path in PUBLIC_FILES:
        file = documented.files[path]
        for service in file.service:
            name = f"{file.package}.{service.name}"
            out += [f"- [{service.name}](#{name.lower().replace('.', '')})"]
    out.append("")
    for path in PUBLIC_FILES:
        file = documented.files[path]
        maps = {n: m for n, m in _messages(file) if m.options.map_entry}
        for other in documented.files.values():
            maps.update({n: m for n, m in _messages(other) if m.options.map_entry})
        for service in file.service:
            name = f"{file.package}.{service.name}"
            out += [f'<a id="{name.lower().replace(".", "")}"></a>', f"## {service.name}", "",
                    f"`{name}` ({path}). {_cell(documented.comments[name])}", "",
                    "| RPC | request | response | what it does |", "|---|---|---|---|"]
            for method in service.method:
                request = method.input_type.lstrip(".")
                response = method.output_type.lstrip(".")
                stream = "stream " if method.server_streaming else ""
                out.append(f"| `{method.name}` | [{request.rsplit('.', 1)[-1]}](#{request.lower().replace('.', '')}) | "
                           f"{stream}[{response.rsplit('.', 1)[-1]}](#{response.lower().replace('.', '')}) | "
                           f"{_cell(documented.comments[f'{name}.{method.name}'])} |")
            out.append("")
        out += [f"### Messages of {path}", ""]
        for msg_name, msg in _messages(file):
            if msg.options.map_entry:
                continue
            out += [f'<a id="{msg_name.lower().replace(".", "")}"></a>', f"#### {msg_name.split('.', 3)[-1]}", ""]
            if documented.comments[msg_name]:
                out += [_cell(documented.comments[msg_name]), ""]
            if msg.field:
                out += ["| field | type | meaning |", "|---|---|---|"]
                for fld in msg.field:
                    oneof = f" (one of `{msg.oneof_decl[fld.oneof_index].name}`)" if fld.HasField("oneof_index") else ""
                    out.append(f"| `{fld.name}` | {_type(fld, maps)} | "
                               f"{_cell(documented.comments[f'{msg_name}.{fld.name}'])}{oneof} |")
                out.append("")
        enums = _enums(file)
        if enums:
            out += [f"### Enums of {path}", ""]
        for enum_name, enum in enums:
            out += [f'<a id="{enum_name.lower().replace(".", "")}"></a>', f"#### {enum_name.split('.', 3)[-1]}", "",
                    _cell(documented.comments[enum_name]), "", "| value | number | meaning |", "|---|---|---|"]
            for value in enum.value:
                out.append(f"| `{value.name}` | {value.number} | {_cell(documented.comments[f'{enum_name}.{value.name}'])} |")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    sys.path[:0] = [str(ROOT), str(PROTO_ROOT / "gen")]
    documented = comments_of(descriptor_set())
    text = render(documented)
    if not args.check:
        DOC.write_text(text)
        print(f"wrote {DOC.relative_to(ROOT)}")
        return 0
    problems = [f"{name}: no comment" for name in missing_comments(documented)]
    problems += limit_problems(documented, servicer_limits(documented))
    if not DOC.exists() or DOC.read_text() != text:
        problems.append(f"{DOC.relative_to(ROOT)} is stale: run `python -m infra.apidocs`")
    if problems:
        print(f"API reference check failed ({len(problems)}):\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print("API reference: every RPC and field commented, limits as enforced, docs/API.md fresh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
