"""The Magicline line of the settings hub (registered from ``MagiclineConfig.ready``)."""

from django.db.models import Max
from django.utils.timesince import timesince

from bookings.magicline.models import MagiclineConnection
from calendar_app.tenancy.models import Business


def magicline_status(business: Business) -> str:
    """Whether the studio is connected to Magicline and when its last webhook came (one
    query)."""
    connection = (
        MagiclineConnection.objects.filter(business=business)
        .annotate(last_delivery=Max("deliveries__received_date"))
        .first()
    )
    if connection is None:
        return "not connected"
    state = "connected" if connection.enabled else "connected but switched off"
    if connection.last_delivery is None:
        return f"{state}, no delivery yet"
    return f"{state}, last delivery {timesince(connection.last_delivery)} ago"
