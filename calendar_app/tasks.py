"""Periodic calendar work, run by Celery beat (``make run`` without Redis runs
``manage.py extend_events_views`` at start instead)."""

from celery import shared_task

from calendar_app import services
from calendar_app.models import Business


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
