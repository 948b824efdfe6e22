"""The jobs, one module each: what `scc-sync run` schedules and the commands run once.

- `sync`: fetch the sources, extract each article's facts, store what is new or changed
  (`failed_articles`: article pages that could not be read, and when to ask for them again);
- `digest` and `remind`: choose what each subscriber gets, render it, queue it in the delivery ledger;
- `deliver`: the ledger's send loop, shared by every mailing (and `run_retries` for what is due again);
- `subscriptions`: CSV import, sign-up with its confirmation mail, unsubscribe by token;
- `preflight`: `scc-sync check`, every part of a configuration tried for real;
- `housekeeping` and `alerts`: the service's pruning and its mails to the operator.

`runs` wraps each job in its lease and its `job_runs` record. Every job is a plain function of
(config, store, effects such as a transport or HTTP client, clock); the faces (CLI, scheduler, web) only
call them.
"""
