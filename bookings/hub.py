"""The Resources and API lines of the settings hub (registered from ``BookingsConfig.ready``)."""

from bookings.models import ApiKey, WebhookSubscription
from calendar_app.models import Resource
from calendar_app.tenancy.models import Business


def resources_status(business: Business) -> str:
    """How many resources (staff, rooms, equipment) the business has (one query)."""
    count = Resource.objects.filter(business=business, removed_date__isnull=True).count()
    return f"{count} resource{'s' if count != 1 else ''}" if count else "no resources yet"


def api_status(business: Business) -> str:
    """How many API keys are active and webhooks subscribed (two queries)."""
    keys = ApiKey.objects.filter(business=business, revoked_date__isnull=True).count()
    hooks = WebhookSubscription.objects.filter(business=business).count()
    if not keys and not hooks:
        return "no API keys"
    return (
        f"{keys} active key{'s' if keys != 1 else ''}, {hooks} webhook{'s' if hooks != 1 else ''}"
    )
