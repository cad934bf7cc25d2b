"""Groups: internal and external groups, timelines of cards, forwarding, group calls (SPEC F-10..F-14)."""
