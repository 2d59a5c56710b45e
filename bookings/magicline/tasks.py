"""Celery tasks of the Magicline sync: webhook deliveries, their stalled requeue, and the
periodic refresh.

A delivery is applied by ``deliveries.apply_delivery`` (read Magicline, then apply under the
delivery's row lock). Every task is idempotent, ``acks_late`` with ``reject_on_worker_lost``, and
retries a bounded number of times on 429 and on 5xx or network errors (after the answer's
Retry-After, else with exponential backoff); a delivery that still fails is marked failed with
its reason, for the sync health page, where Retry queues it again. A delivery whose task was
lost is queued again by the beat (``requeue_stalled_deliveries``).
"""

import logging
from datetime import timedelta

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db.models import Q
from django.utils import timezone

from bookings.magicline import deliveries, sync
from bookings.magicline.client import MagiclineClient
from bookings.magicline.deliveries import STORE
from bookings.magicline.errors import MagiclineError, MagiclineRateLimited, MagiclineUnavailable
from bookings.magicline.models import MagiclineBooking, MagiclineConnection, MagiclineCustomer
from calendar_app.sync.deliveries import DATABASE_ERRORS, STALLED_AFTER

logger = logging.getLogger(__name__)

MAX_RETRIES = 5


def _retry_countdown(error: MagiclineError | None, retries: int) -> float:
    """Magicline's ``Retry-After`` (429 or 503) when it named one, else exponential backoff."""
    if error is not None and error.retry_after is not None:
        return max(1.0, error.retry_after)
    return min(600.0, 2.0 * 2**retries)


class DeliveryTask(DjangoTask):
    """Writes the reason of a delivery that failed unexpectedly on its row (it fails alone); a
    database outage writes nothing (the delivery stays waiting, for the beat's stalled sweep)."""

    def on_failure(self, exc, _task_id, args, _kwargs, _einfo):
        if not isinstance(exc, DATABASE_ERRORS):
            STORE.record_error(delivery_pk=args[0], error=str(exc), failed=True)


@shared_task(
    base=DeliveryTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    ignore_result=True,
)
def process_delivery(self, delivery_id: int) -> str:
    """Handle every element of one stored delivery; retried on 429/5xx, failed after that.
    The database unreachable is retried too, and never fails the delivery."""
    try:
        return deliveries.apply_delivery(delivery_pk=delivery_id)
    except DATABASE_ERRORS as error:
        raise self.retry(
            exc=error, countdown=_retry_countdown(None, self.request.retries)
        ) from error
    except (MagiclineRateLimited, MagiclineUnavailable) as error:
        if self.request.retries >= self.max_retries:
            STORE.record_error(delivery_pk=delivery_id, error=str(error), failed=True)
            return "failed"
        STORE.record_error(delivery_pk=delivery_id, error=f"Retrying: {error}", failed=False)
        raise self.retry(
            exc=error, countdown=_retry_countdown(error, self.request.retries)
        ) from error
    except MagiclineError as error:
        STORE.record_error(delivery_pk=delivery_id, error=str(error), failed=True)
        return "failed"


@shared_task(acks_late=True)
def requeue_stalled_deliveries(older_than_seconds: float = STALLED_AFTER.total_seconds()) -> int:
    """Beat: queue again the deliveries stored long ago and still not applied (their task was
    lost); applying is idempotent. Returns how many were queued."""
    stalled = list(
        STORE.stalled(older_than=timedelta(seconds=older_than_seconds)).values_list("pk", flat=True)
    )
    for delivery_pk in stalled:
        process_delivery.delay_on_commit(delivery_pk)
    return len(stalled)


def refresh_booking(
    *, connection: MagiclineConnection, client: MagiclineClient, booking_id: int
) -> None:
    """Re-read one booking and apply it (its customer mirrored first when new)."""
    changes = deliveries.read_booking(connection=connection, client=client, booking_id=booking_id)
    deliveries.apply_changes(connection=connection, changes=changes)


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
            seen.add(data.booking_id)
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
    """The periodic refresh of one studio (see ``refresh_connection_bookings``); the database
    unreachable is retried."""
    try:
        connection = MagiclineConnection.objects.select_related("business").get(pk=connection_id)
        with MagiclineClient.for_connection(connection) as client:
            return refresh_connection_bookings(connection=connection, client=client)
    except DATABASE_ERRORS as error:
        raise self.retry(
            exc=error, countdown=_retry_countdown(None, self.request.retries)
        ) from error
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
