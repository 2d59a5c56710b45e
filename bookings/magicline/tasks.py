"""Celery tasks of the Magicline sync: webhook deliveries and the periodic refresh.

Webhooks are notifications only (§5.3): a booking event re-reads the booking
(``GET /v1/appointments/booking/{id}``; a 404 or CANCELED both mean cancelled), a customer or
contract event re-reads a known customer, CUSTOMER_ACCESS_DISABLED purges the customer's personal
data, and anything else is ignored. Every task is idempotent (the apply functions in ``sync``),
``acks_late`` with ``reject_on_worker_lost``, and retries a bounded number of times on 429
(after Retry-After) and on 5xx or network errors (exponential backoff).
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from bookings.magicline import sync
from bookings.magicline.client import (
    MagiclineClient,
    MagiclineError,
    MagiclineRateLimited,
    MagiclineUnavailable,
)
from bookings.magicline.models import (
    MagiclineBooking,
    MagiclineConnection,
    MagiclineCustomer,
    MagiclineWebhookDelivery,
)

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
BOOKING_EVENTS = frozenset(
    {
        "APPOINTMENT_BOOKING_CREATED",
        "APPOINTMENT_BOOKING_UPDATED",
        "APPOINTMENT_BOOKING_CANCELLED",
    }
)
PURGE_EVENTS = frozenset({"CUSTOMER_ACCESS_DISABLED", "CUSTOMER_DELETED"})
CUSTOMER_EVENT_PREFIXES = ("CUSTOMER_", "CONTRACT_")


def handle_event(
    *, connection: MagiclineConnection, client: MagiclineClient, event_type: str, entity_id: int
) -> str:
    """Apply one payload element; returns what was done (``ignored`` for unknown types)."""
    if event_type in BOOKING_EVENTS:
        return refresh_booking(connection=connection, client=client, booking_id=entity_id)
    if event_type in PURGE_EVENTS:
        sync.purge_customer(connection=connection, magicline_id=entity_id)
        return "purged"
    if event_type.startswith(CUSTOMER_EVENT_PREFIXES):
        return refresh_customer(connection=connection, client=client, customer_id=entity_id)
    return "ignored"


def refresh_booking(
    *, connection: MagiclineConnection, client: MagiclineClient, booking_id: int
) -> str:
    """Re-read one booking and apply it; its customer is mirrored first when new."""
    data = client.booking(booking_id=booking_id)
    if data is None:
        sync.apply_booking_gone(connection=connection, magicline_id=booking_id)
        return "cancelled"
    customer_id = data["customerId"]
    if sync.linked_customer(connection=connection, magicline_id=customer_id) is None:
        sync.apply_remote_customer(
            connection=connection,
            data=None
            if sync.access_disabled(magicline_id=customer_id)
            else sync.fetch_customer(client=client, magicline_id=customer_id),
            magicline_id=customer_id,
        )
    sync.apply_remote_booking(connection=connection, data=data)
    return "booking"


def refresh_customer(
    *, connection: MagiclineConnection, client: MagiclineClient, customer_id: int
) -> str:
    """Re-read a customer the studio knows (others are not imported) and apply the answer."""
    link = MagiclineCustomer.objects.filter(connection=connection, magicline_id=customer_id).first()
    if link is None or link.access_disabled:
        return "ignored"
    data = sync.fetch_customer(client=client, magicline_id=customer_id)
    sync.apply_remote_customer(connection=connection, data=data, magicline_id=customer_id)
    return "customer"


def _retry_countdown(error: MagiclineError, retries: int) -> float:
    if isinstance(error, MagiclineRateLimited):
        return max(1.0, error.retry_after)
    return min(600.0, 2.0 * 2**retries)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def process_delivery(self, delivery_id: int) -> str:
    """Handle every element of one stored delivery; retried on 429/5xx, failed after that."""
    delivery = (
        MagiclineWebhookDelivery.objects.select_related("connection__business")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status == MagiclineWebhookDelivery.Status.PROCESSED:
        return "skipped"
    connection = delivery.connection
    MagiclineWebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=delivery.attempts + 1)
    done = []
    try:
        with MagiclineClient.for_connection(connection) as client:
            for element in delivery.payload:
                done.append(
                    handle_event(
                        connection=connection,
                        client=client,
                        event_type=element.get("type", ""),
                        entity_id=delivery.entity_id,
                    )
                )
    except (MagiclineRateLimited, MagiclineUnavailable) as error:
        if self.request.retries >= self.max_retries:
            _finish(delivery, MagiclineWebhookDelivery.Status.FAILED, str(error))
            return "failed"
        raise self.retry(
            exc=error, countdown=_retry_countdown(error, self.request.retries)
        ) from error
    except MagiclineError as error:
        _finish(delivery, MagiclineWebhookDelivery.Status.FAILED, str(error))
        return "failed"
    _finish(delivery, MagiclineWebhookDelivery.Status.PROCESSED, "")
    return ",".join(done)


def _finish(delivery: MagiclineWebhookDelivery, status: str, error: str) -> None:
    MagiclineWebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status, error=error[:500], processed_date=timezone.now()
    )


def refresh_connection_bookings(*, connection: MagiclineConnection, client: MagiclineClient) -> int:
    """Heal missed deliveries: re-read the ±2-week bookings of every known customer of the
    studio, and each stored booking of that span Magicline no longer lists. Returns the count of
    bookings applied."""
    now = timezone.now()
    span = Q(
        booking__start__gte=now - timedelta(weeks=2), booking__end__lte=now + timedelta(weeks=2)
    )
    customers = MagiclineCustomer.objects.filter(access_disabled=False).filter(
        Q(connection=connection) | Q(customer__bookings__business=connection.business)
    )
    applied = 0
    seen: set[int] = set()
    for link in customers.select_related("customer").distinct():
        for data in client.customer_bookings(customer_id=link.magicline_id):
            sync.apply_remote_booking(connection=connection, data=data, customer=link.customer)
            seen.add(data["bookingId"])
            applied += 1
    stored = MagiclineBooking.objects.filter(span, connection=connection).exclude(
        booking__booking_status="CANCELED"
    )
    for magicline_id in stored.exclude(magicline_id__in=seen).values_list(
        "magicline_id", flat=True
    ):
        refresh_booking(connection=connection, client=client, booking_id=magicline_id)
        applied += 1
    MagiclineConnection.objects.filter(pk=connection.pk).update(
        last_sync_date=timezone.now(), last_error=""
    )
    return applied


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def refresh_bookings(self, connection_id: int) -> int:
    """The periodic refresh of one studio (see ``refresh_connection_bookings``)."""
    connection = MagiclineConnection.objects.select_related("business").get(pk=connection_id)
    try:
        with MagiclineClient.for_connection(connection) as client:
            return refresh_connection_bookings(connection=connection, client=client)
    except (MagiclineRateLimited, MagiclineUnavailable) as error:
        MagiclineConnection.objects.filter(pk=connection.pk).update(last_error=str(error)[:500])
        if self.request.retries >= self.max_retries:
            return 0
        raise self.retry(
            exc=error, countdown=_retry_countdown(error, self.request.retries)
        ) from error
    except MagiclineError as error:
        MagiclineConnection.objects.filter(pk=connection.pk).update(last_error=str(error)[:500])
        return 0


@shared_task
def refresh_all_bookings() -> int:
    """Fan out the periodic refresh, one task per enabled studio."""
    ids = list(MagiclineConnection.objects.filter(enabled=True).values_list("pk", flat=True))
    for connection_id in ids:
        refresh_bookings.delay(connection_id)
    return len(ids)
