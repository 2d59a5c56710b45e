"""Reads of the Magicline side: the connection, its instructors and its sync health."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from bookings.magicline.models import (
    MagiclineConnection,
    MagiclineInstructor,
    MagiclineWebhookDelivery,
)
from calendar_app.models import Business, Resource


@dataclass(frozen=True)
class ConnectionHealth:
    connection: MagiclineConnection
    received: int
    processed: int
    failed: int
    pending: int
    bookings: int
    last_delivery: datetime | None
    now: datetime
    recent_failures: list[MagiclineWebhookDelivery]

    @property
    def backlog(self) -> int:
        """Deliveries stored but not handled yet."""
        return self.pending


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
        last_delivery=Max("received_date"),
    )
    return ConnectionHealth(
        connection=connection,
        bookings=connection.bookings.count(),
        now=timezone.now(),
        recent_failures=list(
            MagiclineWebhookDelivery.objects.filter(
                connection=connection, status=status.FAILED
            ).order_by("-received_date")[:20]
        ),
        **counts,
    )


def instructors(*, business: Business) -> list[MagiclineInstructor]:
    """The studio's Magicline instructors with the staff member each stands for."""
    return list(
        MagiclineInstructor.objects.filter(connection__business=business).select_related("resource")
    )


def staff_members_queryset(*, business: Business) -> QuerySet[Resource]:
    """The studio's staff members an instructor may be linked to."""
    return Resource.objects.filter(
        business=business, type=Resource.Type.STAFF, removed_date__isnull=True
    ).order_by("name", "id")


def staff_members(*, business: Business) -> list[Resource]:
    """The same staff members, read for a page's choice list."""
    return list(staff_members_queryset(business=business))
