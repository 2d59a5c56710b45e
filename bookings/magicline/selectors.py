"""Reads of the Magicline side: the connection and its sync health, for the settings page."""

from dataclasses import dataclass

from django.db.models import Count, Q

from bookings.magicline.models import MagiclineConnection, MagiclineWebhookDelivery
from calendar_app.models import Business


@dataclass(frozen=True)
class ConnectionHealth:
    connection: MagiclineConnection
    received: int
    processed: int
    failed: int
    pending: int
    bookings: int
    recent_failures: list[MagiclineWebhookDelivery]


def connection_health(*, business: Business) -> ConnectionHealth | None:
    """The studio's connection with its delivery counts and latest failures (None: not set up)."""
    connection = MagiclineConnection.objects.filter(business=business).first()
    if connection is None:
        return None
    status = MagiclineWebhookDelivery.Status
    counts = MagiclineWebhookDelivery.objects.filter(connection=connection).aggregate(
        received=Count("pk"),
        processed=Count("pk", filter=Q(status=status.PROCESSED)),
        failed=Count("pk", filter=Q(status=status.FAILED)),
        pending=Count("pk", filter=Q(status=status.RECEIVED)),
    )
    return ConnectionHealth(
        connection=connection,
        bookings=connection.bookings.count(),
        recent_failures=list(
            MagiclineWebhookDelivery.objects.filter(
                connection=connection, status=status.FAILED
            ).order_by("-received_date")[:5]
        ),
        **counts,
    )
