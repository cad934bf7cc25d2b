"""Identity: enterprises, members, WeChat users, external contacts and tokens (SPEC F-01..F-05)."""
