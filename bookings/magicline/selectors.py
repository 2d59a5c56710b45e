"""Reads of the Magicline side: the connection, its instructors and its sync health."""

from dataclasses import dataclass

from django.db.models import QuerySet

from bookings.magicline.deliveries import STORE
from bookings.magicline.models import (
    MagiclineConnection,
    MagiclineInstructor,
    MagiclineIntakeRefusal,
)
from calendar_app.models import Resource
from calendar_app.sync.health import DeliveryHealth, RefusedCount, delivery_health
from calendar_app.sync.refusals import refusal_counts
from calendar_app.tenancy.models import Business

REFUSED = MagiclineIntakeRefusal.Reason
REFUSALS = (  # (reason, the element id on the page, its label)
    (REFUSED.UNKNOWN_KEY, "unknown-keys", "Deliveries with an unknown key (all studios)"),
    (REFUSED.MALFORMED, "malformed", "Malformed bodies"),
    (REFUSED.OTHER_STUDIO, "other-studio", "Deliveries of another studio's uuid"),
)


@dataclass(frozen=True)
class ConnectionHealth:
    """The studio's connection, its deliveries (the shared partial) and the bookings kept."""

    connection: MagiclineConnection
    deliveries: DeliveryHealth
    bookings: int


def connection_health(*, business: Business) -> ConnectionHealth | None:
    """The studio's connection with its delivery health (None: not set up); five queries."""
    connection = MagiclineConnection.objects.filter(business=business).first()
    if connection is None:
        return None
    counts = refusal_counts(
        MagiclineIntakeRefusal, connection_id=connection.pk, unowned=[REFUSED.UNKNOWN_KEY]
    )
    refused = [RefusedCount(key, label, counts.get(reason, 0)) for reason, key, label in REFUSALS]
    return ConnectionHealth(
        connection=connection,
        deliveries=delivery_health(
            STORE, connection_id=connection.pk, retry_url="magicline:retry", refused=refused
        ),
        bookings=connection.bookings.count(),
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
