"""Periodic calendar work, run by Celery beat (``make run`` without Redis runs
``manage.py extend_events_views`` at start instead)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from calendar_app import services
from calendar_app.tenancy.models import Business


@shared_task(acks_late=True, reject_on_worker_lost=True)
def extend_events_view(business_id: int) -> int:
    """Materialize one business's recurring instances up to the rolling horizon."""
    business = Business.objects.get(pk=business_id)
    return services.extend_events_view(business=business)


@shared_task
def extend_events_views() -> int:
    """Fan out the horizon extension, one task per local business (an upstream rolls its own
    events view forward; its new range arrives through its webhooks)."""
    business_ids = list(
        Business.objects.filter(backend=Business.Backend.LOCAL).values_list("pk", flat=True)
    )
    for business_id in business_ids:
        extend_events_view.delay(business_id)
    return len(business_ids)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=5,
    retry_backoff=True,
    retry_backoff_max=60,
)
def run_bulk_operation(self, operation_id: str) -> int:
    """Work through one ``BulkOperation`` in batches (``services.run_bulk_operation``).

    Acknowledged only when done, so a worker that dies mid-way leaves the task to be delivered
    again; the batches are idempotent. A lost database connection is retried a bounded number
    of times; past that, or on any other error, the operation is marked failed with the error.
    """
    try:
        return services.run_bulk_operation(operation_id=operation_id).done
    except (OperationalError, InterfaceError) as error:
        if self.request.retries >= self.max_retries:
            services.fail_bulk_operation(operation_id=operation_id, error=str(error))
        raise
    except Exception as error:
        services.fail_bulk_operation(operation_id=operation_id, error=str(error))
        raise


@shared_task
def requeue_stalled_operations() -> int:
    """Run by beat: bulk operations whose task was lost are queued again."""
    return services.requeue_stalled_operations()
