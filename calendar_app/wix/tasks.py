"""Celery tasks of the Wix sync: apply a stored webhook delivery, drain a connection's stored
event deliveries in batches, reconcile a connection, run a connection's backfill, carry an
owner's erase of a person to the site's copies of their participations.

All are idempotent, acknowledged late and re-queued when their worker dies
(``acks_late`` + ``reject_on_worker_lost``). An upstream that is unreachable or answers
429/5xx, and the database unreachable or a dropped connection, are retried with exponential
backoff and jitter (Celery's ``autoretry_for``), a bounded number of times; what still fails
because of the upstream is marked failed on its row, with the reason, for the sync health page
(a database outage leaves the delivery waiting, for the beat's stalled sweep).
"""

import time
from datetime import timedelta
from functools import lru_cache

import redis
from celery import current_app as app
from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings

from calendar_app.sync.deliveries import DATABASE_ERRORS, STALLED_AFTER
from calendar_app.wix import backfill, deliveries, erasure, reconcile
from calendar_app.wix.client import WixRevisionConflict, WixUnavailable
from calendar_app.wix.deliveries import STORE
from calendar_app.wix.models import WixConnection

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (WixUnavailable, *DATABASE_ERRORS),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
}


class AttemptsTask(DjangoTask):
    """A task about one row (its first argument) that writes each failed attempt's reason on
    it, failed when no attempt follows (``record_error``); a database outage writes nothing (it
    cannot, and it is not the row's fault): the row stays waiting, for its retries and then the
    beat's stalled sweep."""

    def record_error(self, pk: int, *, error: str, failed: bool) -> None:
        raise NotImplementedError

    def on_retry(self, exc, _task_id, args, kwargs, _einfo):
        if not isinstance(exc, DATABASE_ERRORS):
            self.record_error(args[0], error=f"Retrying: {exc}", failed=False)

    def on_failure(self, exc, _task_id, args, kwargs, _einfo):
        if not isinstance(exc, DATABASE_ERRORS):
            self.record_error(args[0], error=str(exc), failed=True)


class DeliveryTask(AttemptsTask):
    """On a stored webhook delivery."""

    def record_error(self, pk: int, *, error: str, failed: bool) -> None:
        STORE.record_error(delivery_pk=pk, error=error, failed=failed)


# No result is stored: nobody waits for one, and with the Redis result backend every queued task
# whose result is kept subscribes the sender (the web worker) to a result channel — a round trip
# per webhook and a subscription that piles up in every gunicorn worker.
@shared_task(base=DeliveryTask, ignore_result=True, **RETRY)
def apply_delivery(delivery_pk: int) -> str:
    """Apply one stored webhook delivery (a repeat of an applied one does nothing)."""
    return deliveries.apply_delivery(delivery_pk=delivery_pk)


@shared_task(base=DjangoTask, ignore_result=True, **RETRY)
def drain_deliveries(connection_id: int, mark: str = "") -> int:
    """Apply the connection's stored event deliveries in batches (queued by ``queue_drain``).

    The drain mark that queued it is released first: a delivery stored from then on queues a
    new drain, and one stored before is in what the batches read (it was committed before it
    saw the mark).
    """
    settle_until = 0.0
    if mark:
        _marks().delete(mark)
        _seen_queued.pop(mark, None)  # this process asks Redis again at its next delivery
        settle_until = time.monotonic() + SEEN_QUEUED_SECONDS
    return deliveries.drain(connection_id=connection_id, settle_until=settle_until)


DRAIN_MARK_SECONDS = 60  # a drain lost with its mark set delays the next one at most this long
# A web process that saw a connection's drain queued (its mark set, by itself or another) does
# not ask Redis again for this long: the drain that takes the mark claims a last batch no sooner
# than this long after it started (``deliveries.drain``'s ``settle_until``), so what this
# process stored meanwhile is in it. At a few hundred deliveries a second, one Redis round trip
# per process every half second instead of one per delivery.
SEEN_QUEUED_SECONDS = 0.5
_seen_queued: dict[str, float] = {}


def queue_drain(*, connection_id: int) -> None:
    """Queue a drain of the connection's stored event deliveries unless one is queued already
    (a mark in Redis, ``SET NX``, or seen set by this process within ``SEEN_QUEUED_SECONDS``):
    a backlog is one task per batch, not one per delivery.
    Without Redis (tasks run in-process) the drain runs at once."""
    if not settings.REDIS_URL:
        drain_deliveries.delay(connection_id)
        return
    # Per queue too: deployments (and test runs) sharing one Redis keep their marks apart.
    mark = f"wix:drain-queued:{app.conf.task_default_queue}:{connection_id}"
    now = time.monotonic()
    if now - _seen_queued.get(mark, -SEEN_QUEUED_SECONDS) < SEEN_QUEUED_SECONDS:
        return  # a drain that has not started yet, or has not claimed its last batch
    if _marks().set(mark, 1, nx=True, ex=DRAIN_MARK_SECONDS):
        drain_deliveries.delay(connection_id, mark)
    if len(_seen_queued) > 1024:
        _seen_queued.clear()
    _seen_queued[mark] = now


@lru_cache(maxsize=1)
def _marks() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)


class ReconciliationTask(DjangoTask):
    def on_failure(self, exc, _task_id, args, kwargs, _einfo):
        reconcile.mark_failed(reconciliation_pk=args[0], error=str(exc))


@shared_task(base=ReconciliationTask, **RETRY)
def reconcile_connection(reconciliation_pk: int) -> int:
    """Run one queued reconciliation; returns the number of repaired rows."""
    return reconcile.run_reconciliation(reconciliation_pk=reconciliation_pk)


@shared_task(acks_late=True)
def reconcile_connections() -> int:
    """Beat: queue one reconciliation per complete connection (one already queued or running is
    kept); a connection still missing its key or site id has nothing to read from."""
    started = 0
    for connection in WixConnection.objects.select_related("business"):
        if connection.is_complete:
            run = reconcile.request_reconciliation(connection=connection, requested_by_user=False)
            if run is not None:
                reconcile_connection.delay_on_commit(run.pk)
                started += 1
    return started


@shared_task(acks_late=True)
def requeue_stalled_deliveries(older_than_seconds: float = STALLED_AFTER.total_seconds()) -> int:
    """Beat: queue again the deliveries stored long ago and still not applied (their task was
    lost, or a worker killed before it started its drain, whose mark then held new drains back).
    Event deliveries get one drain per connection, queued whatever its mark says; the others
    their own task each. Returns how many were found."""
    stalled = list(
        STORE.stalled(older_than=timedelta(seconds=older_than_seconds)).values_list(
            "pk", "entity_fqdn", "slug", "connection_id"
        )
    )
    drains = sorted({cid for _pk, *kind, cid in stalled if tuple(kind) in deliveries.BATCHED})
    for connection_id in drains:
        drain_deliveries.delay_on_commit(connection_id)
    for delivery_pk, *kind, _cid in stalled:
        if tuple(kind) not in deliveries.BATCHED:
            apply_delivery.delay_on_commit(delivery_pk)
    return len(stalled)


class BackfillTask(DjangoTask):
    def on_failure(self, exc, _task_id, args, kwargs, _einfo):
        backfill.mark_failed(connection_pk=args[0], error=str(exc))


@shared_task(base=BackfillTask, acks_late=True, reject_on_worker_lost=True)
def backfill_connection(connection_pk: int) -> str:
    """Run the connection's queued backfill; its progress is stored on the connection."""
    return backfill.run_queued_backfill(connection_pk=connection_pk)


class ErasureTask(AttemptsTask):
    """On an erasure (the sync health page shows its reason)."""

    def record_error(self, pk: int, *, error: str, failed: bool) -> None:
        erasure.record_error(erasure_pk=pk, error=error, failed=failed)


# A stale revision twice in a row (the participation keeps changing in Wix) is tried again later.
ERASURE_RETRY = {**RETRY, "autoretry_for": (*RETRY["autoretry_for"], WixRevisionConflict)}


@shared_task(base=ErasureTask, ignore_result=True, **ERASURE_RETRY)
def erase_participation(erasure_pk: int) -> str:
    """Blank one erased person's participation in Wix (idempotent: a done one is left alone)."""
    return erasure.run_erasure(erasure_pk=erasure_pk)


ERASURE_STALLED_AFTER = timedelta(hours=1)  # longer than a task's own retries take


@shared_task(acks_late=True)
def requeue_stalled_erasures() -> int:
    """Beat: queue again the erasures still waiting an hour after the erase (their task was
    lost); returns how many."""
    stalled = erasure.stalled(older_than=ERASURE_STALLED_AFTER)
    for erasure_pk in stalled:
        erase_participation.delay_on_commit(erasure_pk)
    return len(stalled)
