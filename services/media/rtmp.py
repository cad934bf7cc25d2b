"""An RTMP ingest server: what OBS, ffmpeg and the mobile SDKs push (Adobe RTMP 1.0).

Only what publishing needs: the simple handshake, chunk streams, AMF0 commands (connect,
releaseStream, FCPublish, createStream, publish, deleteStream) and audio, video and metadata
messages, which are handed to the publish as FLV tags. The publish is decided by the
`PublishGate` *before* the server answers `NetStream.Publish.Start`: until then a client sends
no media, and whatever arrives anyway is dropped, never stored. Playing over RTMP is refused
(viewers play HLS). Every limit is explicit: handshake and command time-outs, message sizes,
chunk sizes; a connection that breaks one is closed with a logged reason and the server goes on.
"""

from __future__ import annotations

import asyncio
import os
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from services.runtime.logs import get_logger

log = get_logger(__name__)

HANDSHAKE_SIZE = 1536
# The largest message accepted (a keyframe of a 4K stream stays well under it).
MAX_MESSAGE_SIZE = 8 * 1024 * 1024
MAX_CHUNK_SIZE = 1 << 24
OUT_CHUNK_SIZE = 4096
WINDOW_ACK_SIZE = 2_500_000

# Message type ids.
SET_CHUNK_SIZE, ABORT, ACKNOWLEDGEMENT, USER_CONTROL, WINDOW_ACK, PEER_BANDWIDTH = 1, 2, 3, 4, 5, 6
AUDIO, VIDEO = 8, 9
DATA_AMF3, COMMAND_AMF3, DATA_AMF0, COMMAND_AMF0 = 15, 17, 18, 20


class RtmpError(Exception):
    """The peer broke the protocol or a limit; the connection is closed with this reason."""


# ------------------------------------------------------------------------------------- AMF0


class _Undefined:
    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = _Undefined()


def amf_decode(data: bytes, offset: int = 0) -> tuple[Any, int]:
    """One AMF0 value from `data` at `offset`: (value, offset after it)."""
    try:
        marker = data[offset]
        offset += 1
        if marker == 0:
            return struct.unpack_from(">d", data, offset)[0], offset + 8
        if marker == 1:
            return data[offset] != 0, offset + 1
        if marker == 2:
            (length,) = struct.unpack_from(">H", data, offset)
            return data[offset + 2:offset + 2 + length].decode("utf-8", "replace"), offset + 2 + length
        if marker in (3, 8):  # object, ECMA array (count then the same key/value pairs)
            if marker == 8:
                offset += 4
            result: dict[str, Any] = {}
            while True:
                (length,) = struct.unpack_from(">H", data, offset)
                key = data[offset + 2:offset + 2 + length].decode("utf-8", "replace")
                offset += 2 + length
                if data[offset] == 9:
                    return result, offset + 1
                result[key], offset = amf_decode(data, offset)
        if marker == 5:
            return None, offset
        if marker == 6:
            return UNDEFINED, offset
        if marker == 10:
            (count,) = struct.unpack_from(">I", data, offset)
            offset += 4
            items = []
            for _ in range(min(count, 10_000)):
                item, offset = amf_decode(data, offset)
                items.append(item)
            return items, offset
        if marker == 11:  # date: milliseconds and a time zone nobody uses
            return struct.unpack_from(">d", data, offset)[0], offset + 10
        if marker == 12:
            (length,) = struct.unpack_from(">I", data, offset)
            return data[offset + 4:offset + 4 + length].decode("utf-8", "replace"), offset + 4 + length
    except (IndexError, struct.error):
        raise RtmpError("truncated AMF0 value") from None
    raise RtmpError(f"unsupported AMF0 marker {marker}")


def amf_decode_all(data: bytes) -> list[Any]:
    values, offset = [], 0
    while offset < len(data):
        value, offset = amf_decode(data, offset)
        values.append(value)
    return values


def amf_encode(value: Any) -> bytes:
    if value is None:
        return b"\x05"
    if value is UNDEFINED:
        return b"\x06"
    if isinstance(value, bool):
        return b"\x01" + (b"\x01" if value else b"\x00")
    if isinstance(value, int | float):
        return b"\x00" + struct.pack(">d", float(value))
    if isinstance(value, str):
        raw = value.encode()
        return b"\x02" + struct.pack(">H", len(raw)) + raw
    if isinstance(value, dict):
        body = b"".join(struct.pack(">H", len(k.encode())) + k.encode() + amf_encode(v) for k, v in value.items())
        return b"\x03" + body + b"\x00\x00\x09"
    raise TypeError(f"cannot encode {type(value).__name__} as AMF0")


# ---------------------------------------------------------------------------------- publishing


class Publish(Protocol):
    """An accepted publish: receives the stream as FLV tags until `close`."""

    cut: asyncio.Event  # set when live takes the publish away; the connection then closes

    async def metadata(self, payload: bytes) -> None: ...

    async def media(self, tag_type: int, timestamp: int, payload: bytes) -> None: ...

    async def close(self, why: str) -> None: ...


@dataclass(frozen=True)
class PublishRequest:
    app: str
    name: str
    tc_url: str
    peer: str


@dataclass(frozen=True)
class Refusal:
    reason: str
    description: str


PublishGate = Callable[[PublishRequest], Awaitable["Publish | Refusal"]]


@dataclass
class _ChunkStream:
    timestamp: int = 0
    delta: int = 0
    length: int = 0
    type_id: int = 0
    stream_id: int = 0
    extended: bool = False
    buffer: bytearray = field(default_factory=bytearray)


@dataclass
class Limits:
    handshake_s: float = 5.0
    # From the handshake to a publish: a connection that never publishes is let go.
    publish_s: float = 15.0
    # Silence on an accepted publish this long means the publisher is gone.
    idle_s: float = 20.0


class RtmpConnection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, gate: PublishGate,
                 limits: Limits) -> None:
        self._reader = reader
        self._writer = writer
        self._gate = gate
        self._limits = limits
        self._in_chunk_size = 128
        self._streams: dict[int, _ChunkStream] = {}
        self._received = 0
        self._acked = 0
        self._peer_window = 0
        self._app = ""
        self._tc_url = ""
        self._publish: Publish | None = None
        self._dropped = 0
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)

    # ------------------------------------------------------------------ reading

    async def _read(self, size: int) -> bytes:
        data = await self._reader.readexactly(size)
        self._received += size
        return data

    async def handshake(self) -> None:
        c0c1 = await self._read(1 + HANDSHAKE_SIZE)
        if c0c1[0] != 3:
            raise RtmpError(f"not RTMP: version byte {c0c1[0]}")
        s1 = struct.pack(">II", 0, 0) + os.urandom(HANDSHAKE_SIZE - 8)
        self._writer.write(b"\x03" + s1 + c0c1[1:])  # S0, S1, S2 (the echo of C1)
        await self._writer.drain()
        await self._read(HANDSHAKE_SIZE)  # C2: the echo of S1, which no client gets wrong enough to matter

    async def read_message(self) -> tuple[int, int, int, bytes]:
        """The next complete message: (type id, message stream id, timestamp, payload)."""
        while True:
            first = (await self._read(1))[0]
            fmt, csid = first >> 6, first & 0x3F
            if csid == 0:
                csid = 64 + (await self._read(1))[0]
            elif csid == 1:
                extra = await self._read(2)
                csid = 64 + extra[0] + extra[1] * 256
            stream = self._streams.get(csid)
            if stream is None:
                if fmt != 0:
                    raise RtmpError(f"chunk stream {csid} starts without a full header")
                stream = self._streams[csid] = _ChunkStream()
            new_message = not stream.buffer
            if fmt < 3:
                header = await self._read((11, 7, 3)[fmt])
                stamp = int.from_bytes(header[0:3], "big")
                if fmt < 2:
                    stream.length = int.from_bytes(header[3:6], "big")
                    stream.type_id = header[6]
                    if stream.length > MAX_MESSAGE_SIZE:
                        raise RtmpError(f"message of {stream.length} bytes is over the limit")
                if fmt == 0:
                    stream.stream_id = int.from_bytes(header[7:11], "little")
                stream.extended = stamp == 0xFFFFFF
                if stream.extended:
                    stamp = int.from_bytes(await self._read(4), "big")
                if fmt == 0:
                    # A type-3 chunk starting the next message repeats this as its delta (spec 5.3.1.2.4).
                    stream.timestamp = stream.delta = stamp
                else:
                    stream.delta = stamp
                    stream.timestamp += stamp
                if not new_message:
                    raise RtmpError("a new message header inside an unfinished message")
            else:
                if stream.extended:
                    await self._read(4)
                if new_message:
                    stream.timestamp += stream.delta
            wanted = min(self._in_chunk_size, stream.length - len(stream.buffer))
            if wanted:
                stream.buffer += await self._read(wanted)
            await self._acknowledge()
            if len(stream.buffer) >= stream.length:
                payload = bytes(stream.buffer)
                stream.buffer.clear()
                return stream.type_id, stream.stream_id, stream.timestamp & 0xFFFFFFFF, payload

    async def _acknowledge(self) -> None:
        if self._peer_window and self._received - self._acked >= self._peer_window:
            self._acked = self._received
            self._send(2, ACKNOWLEDGEMENT, 0, struct.pack(">I", self._received & 0xFFFFFFFF))

    # ------------------------------------------------------------------ writing

    def _send(self, csid: int, type_id: int, stream_id: int, payload: bytes) -> None:
        header = bytes([csid]) + b"\x00\x00\x00" + len(payload).to_bytes(3, "big") + bytes([type_id])
        header += struct.pack("<I", stream_id)
        out = [header, payload[:OUT_CHUNK_SIZE]]
        for start in range(OUT_CHUNK_SIZE, len(payload), OUT_CHUNK_SIZE):
            out += [bytes([0xC0 | csid]), payload[start:start + OUT_CHUNK_SIZE]]
        self._writer.write(b"".join(out))

    def _command(self, name: str, transaction: float, *values: Any, stream_id: int = 0) -> None:
        payload = amf_encode(name) + amf_encode(transaction) + b"".join(amf_encode(v) for v in values)
        self._send(3 if stream_id == 0 else 5, COMMAND_AMF0, stream_id, payload)

    def _status(self, level: str, code: str, description: str) -> None:
        self._command("onStatus", 0, None, {"level": level, "code": code, "description": description},
                      stream_id=1)

    # ------------------------------------------------------------------ the session

    async def serve(self) -> str:
        """Run the connection; returns why it ended (for the log)."""
        await asyncio.wait_for(self.handshake(), self._limits.handshake_s)
        loop = asyncio.get_running_loop()
        publish_deadline = loop.time() + self._limits.publish_s
        while True:
            message: tuple[int, int, int, bytes] | None
            if self._publish is None:
                timeout = publish_deadline - loop.time()
                if timeout <= 0:
                    raise RtmpError("no publish in time")
                message = await asyncio.wait_for(self.read_message(), timeout)
            else:
                message = await self._next_while_publishing(self._publish)
                if message is None:
                    return "cut off by live"
            ended = await self._handle(*message)
            if ended:
                return ended

    async def _next_while_publishing(self, publish: Publish) -> tuple[int, int, int, bytes] | None:
        reading = asyncio.ensure_future(self.read_message())
        cut = asyncio.ensure_future(publish.cut.wait())
        try:
            done, _ = await asyncio.wait({reading, cut}, timeout=self._limits.idle_s,
                                         return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            # Cancelled (the edge stopping): the read must not outlive it and fail unheard
            # ("Task exception was never retrieved") when the publisher's socket closes.
            reading.cancel()
            raise
        finally:
            cut.cancel()
        if reading in done:
            return reading.result()
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)
        if cut in done:
            return None
        raise RtmpError(f"no data for {self._limits.idle_s:.0f} s")

    async def _handle(self, type_id: int, stream_id: int, timestamp: int, payload: bytes) -> str:
        if type_id in (AUDIO, VIDEO):
            if self._publish is None:
                self._dropped += 1  # never stored: the publish was not accepted
            elif payload:
                await self._publish.media(type_id, timestamp, payload)
            return ""
        if type_id == SET_CHUNK_SIZE:
            size = struct.unpack(">I", payload[:4])[0] & 0x7FFFFFFF if len(payload) >= 4 else 0
            if not 1 <= size <= MAX_CHUNK_SIZE:
                raise RtmpError(f"chunk size {size} is out of range")
            self._in_chunk_size = size
        elif type_id == ABORT:
            if len(payload) >= 4:
                stream = self._streams.get(struct.unpack(">I", payload[:4])[0])
                if stream is not None:
                    stream.buffer.clear()
        elif type_id == WINDOW_ACK:
            if len(payload) >= 4:
                self._peer_window = struct.unpack(">I", payload[:4])[0]
        elif type_id in (DATA_AMF0, DATA_AMF3):
            await self._data(payload[1:] if type_id == DATA_AMF3 else payload)
        elif type_id in (COMMAND_AMF0, COMMAND_AMF3):
            return await self._on_command(amf_decode_all(payload[1:] if type_id == COMMAND_AMF3 else payload))
        return ""

    async def _data(self, payload: bytes) -> None:
        if self._publish is None or not payload:
            return
        first, offset = amf_decode(payload)
        # `@setDataFrame onMetaData {...}` is stored as `onMetaData {...}`, as FLV files carry it.
        await self._publish.metadata(payload[offset:] if first == "@setDataFrame" else payload)

    async def _on_command(self, values: list[Any]) -> str:
        if len(values) < 2 or not isinstance(values[0], str):
            raise RtmpError("a command without a name")
        name, transaction = values[0], values[1] if isinstance(values[1], float) else 0.0
        args = values[2:]
        if name == "connect":
            options = args[0] if args and isinstance(args[0], dict) else {}
            self._app = str(options.get("app", "")).strip("/")
            self._tc_url = str(options.get("tcUrl", ""))
            self._send(2, WINDOW_ACK, 0, struct.pack(">I", WINDOW_ACK_SIZE))
            self._send(2, PEER_BANDWIDTH, 0, struct.pack(">IB", WINDOW_ACK_SIZE, 2))
            self._send(2, SET_CHUNK_SIZE, 0, struct.pack(">I", OUT_CHUNK_SIZE))
            self._command("_result", transaction, {"fmsVer": "FMS/3,0,1,123", "capabilities": 31},
                          {"level": "status", "code": "NetConnection.Connect.Success",
                           "description": "Connection succeeded.", "objectEncoding": 0})
        elif name == "createStream":
            self._command("_result", transaction, None, 1)
        elif name in ("releaseStream", "FCPublish", "_checkbw", "getStreamLength"):
            self._command("_result", transaction, None, UNDEFINED)
        elif name == "publish":
            return await self._on_publish(args[1] if len(args) > 1 and isinstance(args[1], str) else "")
        elif name == "play":
            self._status("error", "NetStream.Play.Failed", "play over HLS; this server only ingests")
            await self._writer.drain()
            return "refused: play over RTMP"
        elif name in ("deleteStream", "closeStream", "FCUnpublish"):
            return "the publisher stopped"
        await self._writer.drain()
        return ""

    async def _on_publish(self, stream_name: str) -> str:
        if self._publish is not None:
            raise RtmpError("a second publish on one connection")
        request = PublishRequest(app=self._app, name=stream_name, tc_url=self._tc_url, peer=self.peer)
        decision = await self._gate(request)
        if isinstance(decision, Refusal):
            code = "NetStream.Publish.BadName" if decision.reason in ("UNKNOWN_PATH", "LIVE_NOT_FOUND") \
                else "NetStream.Publish.Unauthorized"
            self._status("error", code, decision.description)
            await self._writer.drain()
            return f"refused: {decision.reason}"
        self._publish = decision
        self._send(2, USER_CONTROL, 0, struct.pack(">HI", 0, 1))  # StreamBegin 1
        self._status("status", "NetStream.Publish.Start", "publishing")
        await self._writer.drain()
        return ""

    async def close(self, why: str) -> None:
        if self._publish is not None:
            publish, self._publish = self._publish, None
            await publish.close(why)
        if self._dropped:
            log.info("rtmp media dropped before the publish was accepted", messages=self._dropped, peer=self.peer)
        self._writer.close()
        try:
            await asyncio.wait_for(self._writer.wait_closed(), 2)
        except (TimeoutError, OSError, ConnectionError):
            pass


class RtmpServer:
    """Accepts RTMP connections on loopback (or `host`) and runs each one to its end."""

    def __init__(self, gate: PublishGate, *, host: str, port: int, limits: Limits | None = None) -> None:
        self._gate = gate
        self._host = host
        self._port = port
        self._limits = limits or Limits()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._on_connection, self._host, self._port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        connection = RtmpConnection(reader, writer, self._gate, self._limits)
        why = "closed"
        try:
            why = await connection.serve()
        except asyncio.IncompleteReadError:
            why = "the peer closed the connection"
        except RtmpError as exc:
            why = f"protocol error: {exc}"
            log.warning("rtmp connection refused", peer=connection.peer, reason=str(exc))
        except TimeoutError:
            why = "timed out"
            log.warning("rtmp connection timed out", peer=connection.peer)
        except (ConnectionError, OSError) as exc:
            why = f"connection lost: {exc}"
        except asyncio.CancelledError:
            why = "the edge is stopping"
        except Exception:
            log.exception("rtmp connection failed", peer=connection.peer)
            why = "internal error"
        finally:
            try:
                await asyncio.shield(connection.close(why))
            except Exception:
                log.exception("closing an rtmp publish failed", peer=connection.peer)
            self._connections.discard(task)
