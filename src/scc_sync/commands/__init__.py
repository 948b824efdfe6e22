"""CLI commands, one module per area; `scc_sync.cli` gathers them into the `scc-sync` group."""
