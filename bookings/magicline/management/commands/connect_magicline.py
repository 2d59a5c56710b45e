"""``manage.py connect_magicline``: what the settings page does, from the shell."""

from django.core.management.base import BaseCommand, CommandError

from bookings.magicline import services
from calendar_app.tenancy.models import Business


class Command(BaseCommand):
    help = "Connect a business to its Magicline studio and run the key check (HEAD)."

    def add_arguments(self, parser):
        parser.add_argument("--business", required=True, help="The business's slug.")
        parser.add_argument("--base-url", required=True)
        parser.add_argument("--api-key", required=True)
        parser.add_argument("--webhook-key", required=True)
        parser.add_argument("--max-slot-window-days", type=int, choices=range(1, 7))

    def handle(self, *args, **options):
        business = Business.objects.filter(slug=options["business"]).first()
        if business is None:
            raise CommandError(f"No business has the slug {options['business']!r}.")
        try:
            connection = services.connect_studio(
                actor=None,
                business=business,
                base_url=options["base_url"],
                api_key=options["api_key"],
                webhook_key=options["webhook_key"],
                max_slot_window_days=options["max_slot_window_days"],
            )
        except services.ConnectionRefused as refused:
            raise CommandError(str(refused)) from refused
        if not services.check_connection(connection=connection):
            raise CommandError(f"Saved, but the key check failed: {connection.last_error}")
        self.stdout.write(
            f"{business.name} is connected to {connection.base_url} "
            f"(Open API key {connection.api_key_hint}): the key check passed."
        )
