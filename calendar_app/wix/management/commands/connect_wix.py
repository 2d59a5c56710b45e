"""Connect a business to its Wix site from the shell and run the backfill, printing progress."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from calendar_app.tenancy.models import Business
from calendar_app.wix.backfill import BackfillError, run_backfill
from calendar_app.wix.models import DEFAULT_BASE_URL
from calendar_app.wix.services import connect_wix


class Command(BaseCommand):
    help = (
        "Connect a business to Wix Calendar V3 (its calendar is then mirrored and written "
        "through), then run the backfill. The API key is never printed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--business", required=True, help="The business's slug.")
        parser.add_argument("--base-url", default=DEFAULT_BASE_URL)
        parser.add_argument("--api-key", required=True)
        parser.add_argument("--site-id", required=True)
        parser.add_argument("--instance-id", required=True)
        parser.add_argument("--public-key-file", required=True, help="The webhook key (PEM).")
        parser.add_argument(
            "--app-id",
            action="append",
            default=[],
            dest="app_ids",
            help="Mirror only this app's events (repeatable; default: all).",
        )
        parser.add_argument("--history-days", type=int, default=30)

    def handle(self, *args, **options) -> None:
        business = Business.objects.filter(slug=options["business"]).first()
        if business is None:
            raise CommandError(f"No business has the slug {options['business']!r}.")
        try:
            pem = Path(options["public_key_file"]).read_text()
        except OSError as error:
            raise CommandError(f"The public key file cannot be read: {error.strerror}.") from error
        try:
            connection = connect_wix(
                actor=None,
                business=business,
                base_url=options["base_url"],
                api_key=options["api_key"],
                site_id=options["site_id"],
                instance_id=options["instance_id"],
                public_key_pem=pem,
                app_ids=options["app_ids"],
                history_days=options["history_days"],
            )
        except ValidationError as error:
            problems = "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
            )
            raise CommandError(f"Not connected: {problems}") from error
        self.stdout.write(
            f"{business.name} is connected to Wix site {connection.site_id} "
            f"(API key {connection.masked_api_key})."
        )
        try:
            run_backfill(connection=connection, progress=self.stdout.write)
        except BackfillError as error:
            raise CommandError(str(error)) from error
