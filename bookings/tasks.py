"""Outgoing webhooks: each booking event goes to every URL the facility's owner subscribed.

``queue_booking_event`` builds the contract's envelope (§5.3) once, at the change, and queues one
delivery per subscription after the transaction commits, so a rolled-back booking tells nobody
and every retry of a delivery carries the same ``uuid`` (the receiver's idempotency key).
A delivery that meets a network error, a 408, 429 or 5xx is retried with exponential backoff,
a bounded number of times; any other 4xx is the receiver's final word. A URL at an internal
address (``calendar_app.sync.egress``) is a failed delivery saying why, not retried.
"""

import logging
import uuid

import httpx
from celery import shared_task
from django.utils import timezone

from bookings.mapping import webhook_envelope
from bookings.models import AppointmentBooking, WebhookSubscription
from calendar_app.sync.egress import EgressRefused, EgressTransport

logger = logging.getLogger(__name__)

DELIVERY_TIMEOUT_SECONDS = 5
RETRIED_STATUSES = {408, 429}


class DeliveryFailed(Exception):
    """The receiver answered with a status worth trying again."""


def queue_booking_event(*, booking: AppointmentBooking, event_type: str) -> None:
    """Queue ``event_type`` about ``booking`` to the facility's webhook URLs, on commit."""
    subscription_ids = list(
        WebhookSubscription.objects.filter(business_id=booking.business_id).values_list(
            "pk", flat=True
        )
    )
    for subscription_id in subscription_ids:
        envelope = webhook_envelope(
            entity_id=booking.pk,
            event_type=event_type,
            uuid=str(uuid.uuid4()),
            at=timezone.now(),
        )
        deliver_webhook.delay_on_commit(subscription_id, envelope)


@shared_task(
    autoretry_for=(httpx.TransportError, DeliveryFailed),
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    reject_on_worker_lost=True,
)
def deliver_webhook(subscription_id: int, envelope: dict) -> int | None:
    """POST the envelope with the subscription's key in ``x-api-key``; the receiver's status.

    A subscription removed meanwhile is not delivered to (None).
    """
    subscription = WebhookSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        return None
    try:
        with httpx.Client(
            transport=EgressTransport(), timeout=DELIVERY_TIMEOUT_SECONDS, follow_redirects=False
        ) as http:
            response = http.post(
                subscription.url, json=envelope, headers={"x-api-key": subscription.api_key}
            )
    except EgressRefused as refused:
        logger.warning(
            "Webhook %s to subscription %s refused: %s", envelope["uuid"], subscription_id, refused
        )
        raise
    if response.status_code >= 500 or response.status_code in RETRIED_STATUSES:
        raise DeliveryFailed(f"{subscription.url} answered {response.status_code}")
    if response.status_code >= 400:
        logger.warning(
            "Webhook %s to subscription %s refused with %s",
            envelope["uuid"],
            subscription_id,
            response.status_code,
        )
    return response.status_code
