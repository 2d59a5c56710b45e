"""``manage.py create_api_key --business SLUG --name NAME``: a new API key, printed as the last
line (the only time it is shown)."""

from django.core.management.base import BaseCommand, CommandError

from bookings.api.services import create_api_key
from calendar_app.tenancy.models import Business


class Command(BaseCommand):
    help = "Create an API key for a business; the key is printed as the last line."

    def add_arguments(self, parser):
        parser.add_argument("--business", required=True, help="The business's slug.")
        parser.add_argument("--name", required=True, help="Who uses the key.")

    def handle(self, *args, business: str, name: str, **options):
        found = Business.objects.filter(slug=business).first()
        if found is None:
            raise CommandError(f"There is no business with the slug {business!r}.")
        if not name.strip() or len(name) > 100:
            raise CommandError("The name must be 1 to 100 characters.")
        api_key, raw_key = create_api_key(actor=None, business=found, name=name.strip())
        self.stdout.write(f"API key “{api_key.name}” for {found.name} (shown only now):")
        self.stdout.write(raw_key)
