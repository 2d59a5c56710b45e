"""Celery tasks of the Wix sync: apply a stored webhook delivery, reconcile a connection.

All are idempotent, acknowledged late and re-queued when their worker dies
(``acks_late`` + ``reject_on_worker_lost``). An upstream that is unreachable or answers
429/5xx is retried with exponential backoff and jitter (Celery's ``autoretry_for``), a bounded
number of times; what still fails is marked failed on its row, with the reason, for the sync
health page.
"""

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from calendar_app.wix import deliveries, reconcile, webhooks
from calendar_app.wix.client import WixUnavailable
from calendar_app.wix.models import WixConnection

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (WixUnavailable,),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
}


class DeliveryTask(DjangoTask):
    """Writes each failed attempt's reason on the delivery row."""

    def on_retry(self, exc, task_id, args, kwargs, einfo):
        deliveries.record_error(delivery_pk=args[0], error=f"Retrying: {exc}", failed=False)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        deliveries.record_error(delivery_pk=args[0], error=str(exc), failed=True)


# No result is stored: nobody waits for one, and with the Redis result backend every queued task
# whose result is kept subscribes the sender (the web worker) to a result channel — a round trip
# per webhook and a subscription that piles up in every gunicorn worker.
@shared_task(base=DeliveryTask, ignore_result=True, **RETRY)
def apply_delivery(delivery_pk: int) -> str:
    """Apply one stored webhook delivery (a repeat of an applied one does nothing)."""
    return deliveries.apply_delivery(delivery_pk=delivery_pk)


class ReconciliationTask(DjangoTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        reconcile.mark_failed(reconciliation_pk=args[0], error=str(exc))


@shared_task(base=ReconciliationTask, **RETRY)
def reconcile_connection(reconciliation_pk: int) -> int:
    """Run one queued reconciliation; returns the number of repaired rows."""
    return reconcile.run_reconciliation(reconciliation_pk=reconciliation_pk)


@shared_task(acks_late=True)
def reconcile_connections() -> int:
    """Beat: queue one reconciliation per connection (one already queued or running is kept)."""
    started = 0
    for connection in WixConnection.objects.select_related("business"):
        started += reconcile.request_reconciliation(connection=connection, requested_by_user=False)
    return started


@shared_task(acks_late=True)
def requeue_stalled_deliveries() -> int:
    """Beat: queue again what was stored but whose task never ran (nothing is lost)."""
    return webhooks.requeue_stalled_deliveries()
