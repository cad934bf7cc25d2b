"""Media edge: RTMP ingest, HLS playback, recordings and replay packaging (SPEC F-52)."""
from services.media.service import DEFINITION
from services.runtime.app import main

main(DEFINITION)
