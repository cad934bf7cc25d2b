"""Notifications: every user's inbox and real-time streams, across replicas (SPEC F-40..F-43)."""
