"""`scc-sync digest`, `remind`, `preview` and `subscribers` (the newsletter side)."""
