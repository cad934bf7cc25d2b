"""The two browser protocols on the wire, byte for byte; nothing here decodes a Convene message.

gRPC-Web (what Envoy's grpc_web filter speaks): every message in a 5-byte frame (flags, length),
the status and trailing metadata in a last frame with flag 0x80, written as HTTP/1 header lines.

Connect (connectrpc.com/docs/protocol): a unary call is a plain POST of the message with
`application/proto`, answered with the message, or with an HTTP error status and a JSON body
`{code, message, details}`; a server stream frames messages like gRPC-Web and ends with a
frame of flag 0x02 holding JSON `{error?, metadata}`.

Binary (protobuf) payloads only: the edge passes bytes and never transcodes JSON.
"""

from __future__ import annotations

import base64
import enum
import json
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import grpc
from google.rpc import status_pb2

Metadata = Sequence[tuple[str, str | bytes]]

_HEADER = struct.Struct(">BI")
_COMPRESSED = 0x01
_GRPC_WEB_TRAILER = 0x80
_CONNECT_END_STREAM = 0x02
STATUS_DETAILS_KEY = "grpc-status-details-bin"


class Protocol(enum.Enum):
    GRPC_WEB = "grpc-web"
    CONNECT_UNARY = "connect-unary"
    CONNECT_STREAM = "connect-stream"

    @classmethod
    def of(cls, content_type: str) -> Protocol | None:
        """The protocol a request's content type names, or None when it is not one we speak."""
        media = content_type.split(";", 1)[0].strip().lower()
        if media in ("application/grpc-web", "application/grpc-web+proto"):
            return cls.GRPC_WEB
        if media == "application/proto":
            return cls.CONNECT_UNARY
        if media == "application/connect+proto":
            return cls.CONNECT_STREAM
        return None

    @property
    def response_content_type(self) -> str:
        return {Protocol.GRPC_WEB: "application/grpc-web+proto", Protocol.CONNECT_UNARY: "application/proto",
                Protocol.CONNECT_STREAM: "application/connect+proto"}[self]


class WireError(Exception):
    """A request the edge cannot take; answered in the caller's protocol with `code`."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def frame(message: bytes, flags: int = 0) -> bytes:
    return _HEADER.pack(flags, len(message)) + message


def unframe_request(body: bytes) -> bytes:
    """The one message of a framed unary or server-streaming request."""
    if len(body) < _HEADER.size:
        raise WireError(grpc.StatusCode.INVALID_ARGUMENT, "the request body is not a framed message")
    flags, length = _HEADER.unpack_from(body)
    if flags & _COMPRESSED:
        raise WireError(grpc.StatusCode.UNIMPLEMENTED, "compressed requests are not supported")
    if len(body) - _HEADER.size != length:
        raise WireError(grpc.StatusCode.INVALID_ARGUMENT, "the request must hold exactly one message")
    return body[_HEADER.size:]


def request_message(protocol: Protocol, body: bytes) -> bytes:
    return body if protocol is Protocol.CONNECT_UNARY else unframe_request(body)


def timeout_s(protocol: Protocol, headers: Mapping[str, str]) -> float | None:
    """The caller's deadline: gRPC-Web's `grpc-timeout` (`10S`, `250m`) or Connect's milliseconds
    (`headers` looks names up case-insensitively, as aiohttp's do)."""
    try:
        if protocol is Protocol.GRPC_WEB:
            value = headers.get("grpc-timeout", "")
            if not value:
                return None
            units = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}
            return int(value[:-1]) * units[value[-1]]
        value = headers.get("connect-timeout-ms", "")
        return int(value) / 1000 if value else None
    except (KeyError, ValueError, IndexError):
        raise WireError(grpc.StatusCode.INVALID_ARGUMENT, "the request's timeout header is malformed") from None


# ------------------------------------------------------------------------------ status answers


@dataclass(frozen=True)
class Outcome:
    """How an upstream call ended."""

    code: grpc.StatusCode
    message: str
    trailing: Metadata = ()

    @property
    def ok(self) -> bool:
        return self.code is grpc.StatusCode.OK


def _text(value: str | bytes) -> str:
    return base64.b64encode(value).decode() if isinstance(value, bytes) else value


def _header_block(entries: Iterable[tuple[str, str]]) -> bytes:
    return "".join(f"{key}: {value}\r\n" for key, value in entries).encode()


def grpc_web_trailer(outcome: Outcome) -> bytes:
    entries = [("grpc-status", str(outcome.code.value[0])),
               ("grpc-message", quote(outcome.message, safe=" !\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~"))]
    entries += [(key, _text(value)) for key, value in outcome.trailing]
    return frame(_header_block(entries), _GRPC_WEB_TRAILER)


# Connect's HTTP status for each code (connectrpc.com/docs/protocol#error-codes).
_CONNECT_HTTP_STATUS = {
    grpc.StatusCode.CANCELLED: 499, grpc.StatusCode.UNKNOWN: 500, grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504, grpc.StatusCode.NOT_FOUND: 404, grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403, grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400, grpc.StatusCode.ABORTED: 409, grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501, grpc.StatusCode.INTERNAL: 500, grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500, grpc.StatusCode.UNAUTHENTICATED: 401,
}


def connect_http_status(code: grpc.StatusCode) -> int:
    return _CONNECT_HTTP_STATUS.get(code, 500)


def _b64_unpadded(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def connect_error(outcome: Outcome) -> dict:
    """Connect's error object; the ErrorInfo (and any other detail) from grpc-status-details-bin."""
    error: dict = {"code": outcome.code.name.lower(), "message": outcome.message}
    for key, value in outcome.trailing:
        if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
            status = status_pb2.Status.FromString(value)
            error["details"] = [{"type": d.type_url.rsplit("/", 1)[-1], "value": _b64_unpadded(d.value)}
                                for d in status.details]
    return error


def connect_metadata(entries: Metadata) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in entries:
        if key != STATUS_DETAILS_KEY:
            grouped.setdefault(key, []).append(_text(value))
    return grouped


def connect_end_stream(outcome: Outcome) -> bytes:
    end: dict = {"metadata": connect_metadata(outcome.trailing)}
    if not outcome.ok:
        end["error"] = connect_error(outcome)
    return frame(json.dumps(end, separators=(",", ":")).encode(), _CONNECT_END_STREAM)


# ----------------------------------------------------------------------------- metadata in, out

# Request headers that are HTTP's or the browser protocols' own, never gRPC metadata. Cookies stay
# behind: Convene authenticates with the bearer token alone.
_NOT_METADATA = frozenset({
    "host", "content-type", "content-length", "connection", "keep-alive", "te", "trailer", "transfer-encoding",
    "upgrade", "accept", "accept-encoding", "origin", "referer", "user-agent", "cookie", "pragma",
    "cache-control", "priority", "dnt", "x-grpc-web", "x-user-agent", "connect-protocol-version",
    "connect-timeout-ms", "connect-accept-encoding", "connect-content-encoding", "grpc-timeout",
    "grpc-accept-encoding", "grpc-encoding", "x-forwarded-for",
})
_NOT_METADATA_PREFIXES = ("sec-", "proxy-", "access-control-", ":")


def request_metadata(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str | bytes]]:
    """HTTP request headers as gRPC metadata: `authorization`, `accept-language`, `x-request-id`
    and any custom header; `-bin` headers are base64 on the wire and bytes in gRPC."""
    metadata: list[tuple[str, str | bytes]] = []
    for raw_key, value in headers:
        key = raw_key.lower()
        if key in _NOT_METADATA or key.startswith(_NOT_METADATA_PREFIXES) or not value.isascii():
            continue
        if key.endswith("-bin"):
            try:
                metadata.append((key, base64.b64decode(value + "=" * (-len(value) % 4))))
            except ValueError:
                raise WireError(grpc.StatusCode.INVALID_ARGUMENT, f"header {key} is not base64") from None
        else:
            metadata.append((key, value))
    return metadata


def response_headers(initial: Metadata) -> list[tuple[str, str]]:
    return [(key, _text(value)) for key, value in initial if key not in ("content-type", "content-length")]


def connect_unary_trailers(trailing: Metadata) -> list[tuple[str, str]]:
    """Connect sends a unary call's trailing metadata as `trailer-` headers."""
    return [(f"trailer-{key}", values) for key, vs in connect_metadata(trailing).items() for values in vs]
