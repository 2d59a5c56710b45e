"""The Conferencing line of the settings hub (registered from ``ConferencingConfig.ready``)."""

from calendar_app.conferencing.models import ConferencingAutomation
from calendar_app.tenancy.models import Business


def conferencing_status(business: Business) -> str:
    """How many schedules and services get a meeting automatically (one query)."""
    count = ConferencingAutomation.objects.filter(business=business, enabled=True).count()
    if not count:
        return "no automatic meetings"
    what = "schedule or service" if count == 1 else "schedules or services"
    return f"automatic meetings for {count} {what}"
