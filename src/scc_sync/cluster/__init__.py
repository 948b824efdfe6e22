"""Cluster mode: several `scc-sync worker` processes share the jobs through a task queue in PostgreSQL.

The queue is procrastinate's (see the README's "Cluster mode" for why). The tasks call the very job
functions of `pipeline/` that `scc-sync run` calls: one task per source sync, a mailing queued by one task
and sent in batches by many, the schedule's triggers of `service.scheduler` deciding when. Imported only
by the cluster's commands, so the single-process paths never load the queue library.
"""
