"""The Subscribe line of the settings hub (registered from ``FeedsConfig.ready``)."""

from calendar_app.feeds.models import CalendarFeed
from calendar_app.tenancy.models import Business


def feeds_status(business: Business) -> str:
    """How many calendar links the business has that still answer (one query)."""
    count = CalendarFeed.objects.filter(business=business, revoked_at__isnull=True).count()
    if not count:
        return "no calendar links yet"
    return f"{count} calendar link{'s' if count != 1 else ''}"
