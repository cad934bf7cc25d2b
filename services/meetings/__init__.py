"""Meetings: scheduled, meet-now, and upgraded from group calls (SPEC F-30..F-36)."""
