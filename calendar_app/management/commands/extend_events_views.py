"""Roll every business's recurring instances forward to the horizon, once, in this process.

Celery beat does this daily where a worker runs (``make worker``); ``make run`` has no worker
without Redis, so it runs this at every start instead.
"""

from django.core.management.base import BaseCommand

from calendar_app import services
from calendar_app.tenancy.models import Business


class Command(BaseCommand):
    help = "Materialize recurring instances up to the rolling horizon for every local business."

    def handle(self, *args, **options) -> None:
        created = sum(
            services.extend_events_view(business=business)
            for business in Business.objects.filter(backend=Business.Backend.LOCAL)
        )
        self.stdout.write(f"Recurring events are materialized a year ahead ({created} new).")
