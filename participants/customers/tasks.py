"""The beat task that links into each business's customer directory what was written without
it (upstream imports, the admin): a few queries per business when nothing is new."""

from celery import shared_task

from calendar_app.tenancy.models import Business
from participants.customers.services import sync_directory


@shared_task
def sync_directories() -> int:
    """Catch every business's directory up; returns how many records were linked."""
    return sum(sync_directory(business=b) for b in Business.objects.order_by("pk").iterator())
