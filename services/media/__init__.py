"""The media edge (SPEC F-52): RTMP ingest checked with live before any media, HLS segments and
recordings with the ffmpeg of the imageio-ffmpeg wheel, HLS playback checked against play
tokens, callbacks for nginx-rtmp and SRS, stream events on its own MEDIA stream, and the replay
packaging live asks for. It talks to the other services only through NATS."""
