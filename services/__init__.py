"""Convene's services, one package each, and the runtime they share."""

# Every service, each `python -m services NAME` (the media edge has no API of its own).
SERVICES = ("identity", "groups", "live", "meetings", "notifications", "media")
