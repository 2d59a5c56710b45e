"""``manage.py sync_status --business SLUG [--json]``: the sync health page, in the shell."""

import json

from django.core.management.base import BaseCommand, CommandError

from calendar_app.tenancy.models import Business
from calendar_app.wix import selectors


class Command(BaseCommand):
    help = "Print the sync health of a business's Wix connection (--json for a machine)."

    def add_arguments(self, parser):
        parser.add_argument("--business", required=True, help="The business's slug.")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print one JSON object."
        )

    def handle(self, *args, business: str, as_json: bool, **options):
        found = Business.objects.filter(slug=business).first()
        if found is None:
            raise CommandError(f"No business has the slug {business!r}.")
        connection = selectors.connection_for(business=found)
        if connection is None:
            raise CommandError(f"{found.name} is not connected to Wix; it uses the local calendar.")
        health = selectors.sync_health(connection=connection)
        if as_json:
            self.stdout.write(json.dumps(health.as_json(), indent=2))
            return
        self.stdout.write("\n".join(_lines(health)))


def _lines(health: selectors.SyncHealth) -> list[str]:
    d = health.deliveries
    age = d.last_delivery_age
    last = (
        f"{d.last_delivery:%Y-%m-%d %H:%M:%S} UTC ({int(age.total_seconds())} s ago)"
        if d.last_delivery and age is not None
        else "none yet"
    )
    lines = [
        f"Wix site {health.site_id} (instance {health.instance_id}) of {health.business_slug}",
        f"last delivery:        {last}",
        f"backlog:              {d.backlog} stored, not yet applied",
        f"applied:              {d.applied}",
        f"failed:               {d.failed}",
        f"rejected signatures:  {d.refused_count('rejected-signatures')}",
        f"malformed bodies:     {d.refused_count('malformed')}",
        f"unknown instance:     {d.refused_count('unknown-instances')} (all connections)",
        f"backfill:             {health.backfill.status_label}, "
        f"{health.backfill.done} of {health.backfill.total} days ({health.backfill.percent_done}%)",
    ]
    run = health.last_reconciliation
    if run is None:
        lines.append("last reconciliation:  none yet")
    else:
        lines.append(
            f"last reconciliation:  {run.status}, {run.events_read} events read, "
            f"{run.repaired} repaired ({run.percent_done}%)"
        )
    lines += [
        f"  {'stalled' if f.stalled else 'failed'} #{f.pk} {f.kind} {f.entity_id}: {f.error}"
        for f in d.failures
    ]
    return lines
