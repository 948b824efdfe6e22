"""The long-running service, `scc-sync run`: it runs the pipeline's jobs on a schedule.

- `daemon`: `Service`, its lifecycle (start, heartbeat, reload, stop with a grace) and its job runs;
- `scheduler`: the APScheduler wiring, which job runs when;
- `listener`: the web listener (subscriber pages, `/metrics`, `/healthz`) in a thread of its own;
- `reload`: SIGHUP, reading the config file again and planning what changes;
- `health`: the `healthcheck` verdict (a fresh heartbeat and a recent good sync); `metrics`: Prometheus.
"""
