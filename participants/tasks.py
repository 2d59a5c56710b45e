"""Periodic participant work, run by Celery beat."""

from celery import shared_task

from participants import services


@shared_task
def mark_not_recorded() -> int:
    """Mark participants nobody marked within two hours of their occurrence's end as "not
    recorded" (``services.mark_not_recorded``); returns how many."""
    return services.mark_not_recorded()
