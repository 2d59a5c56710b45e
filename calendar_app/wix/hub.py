"""The Wix line of the settings hub (registered from ``WixConfig.ready``)."""

from django.db.models import Max
from django.utils.timesince import timesince

from calendar_app.tenancy.models import Business
from calendar_app.wix.models import WixConnection


def wix_status(business: Business) -> str:
    """Whether the business is connected to Wix and when its last webhook came (one query)."""
    connection = (
        WixConnection.objects.filter(business=business)
        .annotate(last_delivery=Max("deliveries__received_at"))
        .first()
    )
    if connection is None:
        return "not connected"
    if not connection.is_complete:
        return "not connected: the settings are incomplete"
    if connection.last_delivery is None:
        return "connected, no delivery yet"
    return f"connected, last delivery {timesince(connection.last_delivery)} ago"
