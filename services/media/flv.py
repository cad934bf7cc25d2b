"""FLV: the container RTMP media already is. The edge writes a publish's messages as FLV tags
(to the segmenter and to the recording) and reads the media facts (duration, bytes, codecs)
from the tags themselves, so no probe is needed; `scan` does the same for a recording another
media server wrote (nginx-rtmp's on_record_done)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from services.media.rtmp import AUDIO, DATA_AMF0, VIDEO, RtmpError, amf_decode

# Signature, version 1, audio + video present, header length 9; then PreviousTagSize0.
HEADER = b"FLV\x01\x05\x00\x00\x00\x09" + b"\x00\x00\x00\x00"

VIDEO_CODECS = {2: "h263", 4: "vp6", 7: "h264", 12: "hevc"}
# Enhanced RTMP (FourCC after an ExVideoTagHeader byte).
VIDEO_FOURCC = {b"avc1": "h264", b"hvc1": "hevc", b"av01": "av1", b"vp09": "vp9"}
AUDIO_CODECS = {2: "mp3", 7: "pcm_alaw", 8: "pcm_mulaw", 10: "aac", 11: "speex", 14: "mp3", 9: "opus"}


def tag(tag_type: int, timestamp: int, payload: bytes) -> bytes:
    """One FLV tag with its trailing PreviousTagSize."""
    size = len(payload)
    header = bytes([tag_type]) + size.to_bytes(3, "big") + (timestamp & 0xFFFFFF).to_bytes(3, "big")
    header += bytes([(timestamp >> 24) & 0xFF]) + b"\x00\x00\x00"
    return header + payload + (size + 11).to_bytes(4, "big")


def video_codec(payload: bytes) -> str:
    if not payload:
        return ""
    if payload[0] & 0x80 and len(payload) >= 5:
        return VIDEO_FOURCC.get(payload[1:5], payload[1:5].decode("ascii", "replace"))
    return VIDEO_CODECS.get(payload[0] & 0x0F, f"flv-video-{payload[0] & 0x0F}")


def audio_codec(payload: bytes) -> str:
    return AUDIO_CODECS.get(payload[0] >> 4, f"flv-audio-{payload[0] >> 4}") if payload else ""


@dataclass
class MediaFacts:
    """What the tags of one stream say, gathered as they pass."""

    video_codec: str = ""
    audio_codec: str = ""
    width: int = 0
    height: int = 0
    media_bytes: int = 0
    tags: int = 0
    video_frames: int = 0
    first_ms: int | None = None
    last_ms: int = 0
    last_video_ms: int | None = None

    def add(self, tag_type: int, timestamp: int, payload: bytes) -> None:
        self.tags += 1
        self.media_bytes += len(payload)
        if tag_type == VIDEO:
            if not self.video_codec:
                self.video_codec = video_codec(payload)
            self.video_frames += 1
            self.last_video_ms = timestamp
        elif tag_type == AUDIO and not self.audio_codec:
            self.audio_codec = audio_codec(payload)
        if tag_type in (AUDIO, VIDEO):
            self.first_ms = timestamp if self.first_ms is None else min(self.first_ms, timestamp)
            self.last_ms = max(self.last_ms, timestamp)

    def add_metadata(self, payload: bytes) -> None:
        try:
            name, offset = amf_decode(payload)
            values, _ = amf_decode(payload, offset) if name == "onMetaData" else ({}, 0)
        except RtmpError:
            return
        if isinstance(values, dict):
            self.width = int(values.get("width") or 0) if isinstance(values.get("width"), float) else self.width
            self.height = int(values.get("height") or 0) if isinstance(values.get("height"), float) else self.height

    @property
    def has_media(self) -> bool:
        return self.first_ms is not None

    @property
    def duration_ms(self) -> int:
        """From the first to the last timestamp plus one frame (the last frame lasts too)."""
        if self.first_ms is None:
            return 0
        span = self.last_ms - self.first_ms
        frame = span // (self.video_frames - 1) if self.video_frames > 1 else 0
        return span + frame


def scan(path: Path, *, max_tags: int = 50_000_000) -> MediaFacts:
    """The facts of an FLV file, read tag by tag (headers only for audio and video)."""
    facts = MediaFacts()
    with open(path, "rb") as handle:
        head = handle.read(13)
        if len(head) < 13 or head[:3] != b"FLV":
            raise ValueError("not an FLV file")
        handle.seek(struct.unpack(">I", head[5:9])[0] + 4)
        for _ in range(max_tags):
            header = handle.read(11)
            if len(header) < 11:
                break
            size = int.from_bytes(header[1:4], "big")
            timestamp = int.from_bytes(header[4:7], "big") | (header[7] << 24)
            wanted = size if header[0] == DATA_AMF0 else min(size, 8)
            body = handle.read(wanted)
            if len(body) < wanted:
                break  # a truncated last tag (the writer was cut off)
            handle.seek(size - wanted + 4, 1)
            if header[0] == DATA_AMF0:
                facts.add_metadata(body)
            elif header[0] in (AUDIO, VIDEO):
                facts.add(header[0], timestamp, body)
                facts.media_bytes += size - len(body)
    return facts
