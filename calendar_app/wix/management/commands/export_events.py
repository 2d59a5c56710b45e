"""Print a business's events as a JSON list in the spec's Event shape (the mapping's output)."""

import json

from django.core.management.base import BaseCommand, CommandError

from calendar_app.models import Event
from calendar_app.tenancy.models import Business
from calendar_app.wix.mapping import event_to_wire


class Command(BaseCommand):
    help = (
        "Print the business's events as JSON in the Calendar V3 Event shape; with "
        "--include-removed, soft-deleted events too (they carry removedDate)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--business", required=True, help="The business's slug.")
        parser.add_argument("--include-removed", action="store_true")

    def handle(self, *args, **options) -> None:
        business = Business.objects.filter(slug=options["business"]).first()
        if business is None:
            raise CommandError(f"No business has the slug {options['business']!r}.")
        events = (
            Event.objects.filter(business=business)
            .select_related("schedule")
            .prefetch_related("event_resources__resource")
            .order_by("start", "id")
        )
        if not options["include_removed"]:
            events = events.filter(removed_date__isnull=True)
        self.stdout.write(
            json.dumps(
                [event_to_wire(event) for event in events.iterator(chunk_size=500)], indent=2
            )
        )
