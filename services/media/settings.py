"""The media edge's settings (environment variables)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from services.runtime.settings import Settings, env, env_float, env_int


def _ffmpeg() -> str:
    """MEDIA_FFMPEG, else the binary the imageio-ffmpeg wheel ships (no system package needed)."""
    given = env("MEDIA_FFMPEG", "")
    if given:
        return given
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@dataclass(frozen=True)
class MediaSettings(Settings):
    # RTMP ingest (what StartLive's publish address points at) and HTTP (HLS playback, callbacks).
    rtmp_host: str = field(default_factory=lambda: env("MEDIA_RTMP_HOST", "127.0.0.1"))
    rtmp_port: int = field(default_factory=lambda: env_int("MEDIA_RTMP_PORT", "1935"))
    http_host: str = field(default_factory=lambda: env("MEDIA_HTTP_HOST", "127.0.0.1"))
    http_port: int = field(default_factory=lambda: env_int("MEDIA_HTTP_PORT", "8080"))
    # The RTMP application publishers use: rtmp://host:port/<app>/<live id>?key=<secret>.
    rtmp_app: str = field(default_factory=lambda: env("MEDIA_RTMP_APP", "live"))
    # Live segments, recordings and replays (shared storage when several edges run).
    media_root: Path = field(default_factory=lambda: Path(env("MEDIA_ROOT", ".run/media")).resolve())
    edge_id: str = field(default_factory=lambda: env("MEDIA_EDGE_ID", f"{socket.gethostname()}-{os.getpid()}"))
    ffmpeg: str = field(default_factory=_ffmpeg)
    # Live HLS: segment length (cut at keyframes) and how many segments the playlist keeps.
    hls_segment_s: float = field(default_factory=lambda: env_float("MEDIA_HLS_SEGMENT_S", "1"))
    hls_list_size: int = field(default_factory=lambda: env_int("MEDIA_HLS_LIST_SIZE", "6"))
    vod_segment_s: float = field(default_factory=lambda: env_float("MEDIA_VOD_SEGMENT_S", "4"))
    # Access-Control-Allow-Origin on HLS responses (browsers play with hls.js from another origin).
    cors_origin: str = field(default_factory=lambda: env("MEDIA_CORS_ORIGIN", "*"))
    # When set, nginx-rtmp / SRS callbacks must carry ?secret=<it>; otherwise only loopback may call.
    callback_secret: str = field(default_factory=lambda: env("MEDIA_CALLBACK_SECRET", ""))
    # A publish that races the start's permission work (or its own previous connection's end)
    # is asked about again for this long before it is refused.
    authorize_wait_s: float = field(default_factory=lambda: env_float("MEDIA_AUTHORIZE_WAIT_S", "3"))
