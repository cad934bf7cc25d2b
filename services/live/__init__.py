"""Live: group lives from start to replay (SPEC F-20..F-28)."""
