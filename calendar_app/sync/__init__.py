"""The one sync layer every upstream (Wix Calendar V3, Magicline) builds on.

- ``deliveries``: a webhook delivery stored once per upstream id, claimed with ``SKIP LOCKED``,
  applied under its row lock, failed alone with its reason, a deadlock retried on its own,
  retried from the health page and requeued by beat when its task was lost;
- ``refusals``: the per-connection counters of refused webhook bodies;
- ``health``: the figures of the health partial (``templates/sync/deliveries.html``);
- ``retry``: the one HTTP retry policy (429/5xx/timeouts, ``Retry-After``, jitter).

It imports no upstream: each upstream describes its delivery table with a ``DeliveryStore``
and calls these functions from its own tasks, services and selectors.
"""
