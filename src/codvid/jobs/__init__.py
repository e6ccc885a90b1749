"""Job infrastructure, knowing no domain: the broker, sending and executing jobs by
name, the worker that bounds and stops them, periodic loops, and process roles. Domains
declare their jobs and loops (e.g. ``tracking.tasks``); the composition root plugs them in."""
