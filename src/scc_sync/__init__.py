"""scc-sync: scheduled content sync and newsletter pipeline."""

__version__ = "0.1.0"
