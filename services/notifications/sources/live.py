"""Live's notifications. A live's card (started, ended, replay ready) reaches members through
groups' card events (sources/groups.py); live itself asks for anything else, such as the
reminder before a scheduled live (SPEC F-21, F-43), through `live.v1.notice.requested`."""

from __future__ import annotations

from services.notifications.sources import Source

SOURCE = Source("live")
