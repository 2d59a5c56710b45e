"""Connecting a studio to Magicline: one place for the settings page and ``connect_magicline``;
the owner's other actions there (an instructor linked to a staff member, a failed or stalled
delivery retried, a refresh asked for)."""

from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from bookings.errors import AppointmentError
from bookings.magicline import sync
from bookings.magicline.client import MagiclineClient
from bookings.magicline.deliveries import STORE
from bookings.magicline.errors import MagiclineError
from bookings.magicline.models import (
    MagiclineConnection,
    MagiclineInstructor,
    MagiclineWebhookDelivery,
    key_digest,
)
from bookings.magicline.tasks import process_delivery, refresh_bookings
from calendar_app.audit import record_change
from calendar_app.models import Resource
from calendar_app.sync.deliveries import STALLED_AFTER
from calendar_app.tenancy.access import require_owner
from calendar_app.tenancy.models import Business, Membership

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class ConnectionRefused(AppointmentError):
    """A connection or link the app refuses; the message is meant for the owner (400)."""


@transaction.atomic
def connect_studio(
    *,
    actor: Membership | None,
    business: Business,
    base_url: str,
    api_key: str = "",
    webhook_key: str = "",
    max_slot_window_days: int | None = None,
) -> MagiclineConnection:
    """Create or update the studio's connection; an empty key keeps the stored one.

    A webhook key names its studio, so one key cannot serve two studios. Magicline answers over
    HTTPS only; plain HTTP is accepted for loopback (a local fake studio) alone.
    """
    require_owner(actor, "connect the studio to Magicline", business_id=business.pk)
    url = urlsplit(base_url)
    if url.scheme != "https" and not (url.scheme == "http" and url.hostname in LOOPBACK):
        raise ConnectionRefused("The base URL must start with https:// (Magicline is HTTPS only).")
    connection = MagiclineConnection.objects.select_for_update().filter(business=business).first()
    if connection is None and not (api_key and webhook_key):
        raise ConnectionRefused("A new connection needs both the Open API key and the webhook key.")
    if webhook_key:
        taken = MagiclineConnection.objects.filter(webhook_key_digest=key_digest(webhook_key))
        if connection is not None:
            taken = taken.exclude(pk=connection.pk)
        if taken.exists():
            raise ConnectionRefused("This webhook key already belongs to another studio.")
    connection = connection or MagiclineConnection(business=business)
    connection.base_url = base_url.rstrip("/")
    connection.api_key = api_key or connection.api_key
    connection.webhook_key = webhook_key or connection.webhook_key
    if max_slot_window_days is not None:
        connection.max_slot_window_days = max_slot_window_days
    connection.last_check_ok = None
    connection.save()
    record_change(
        business=business, actor=actor, obj=connection, action="connect", revision_before=None
    )
    return connection


def check_connection(*, connection: MagiclineConnection) -> bool:
    """The documented key check (HEAD, §1.3); the outcome is kept for the settings page."""
    try:
        with MagiclineClient.for_connection(connection, max_attempts=2) as client:
            ok = client.check_key()
        error = "" if ok else "Magicline refused the Open API key (401)."
    except MagiclineError as failure:
        ok, error = False, failure.message
    MagiclineConnection.objects.filter(pk=connection.pk).update(
        last_checked_date=timezone.now(), last_check_ok=ok, last_error=error
    )
    connection.refresh_from_db()
    return ok


def link_instructor(
    *, actor: Membership | None, instructor: MagiclineInstructor, resource: Resource
) -> MagiclineInstructor:
    """Let one of the studio's staff members stand for a Magicline instructor: its slots and
    bookings show on that member from then on (and the bookings already kept move there)."""
    connection = instructor.connection
    require_owner(actor, "link Magicline instructors", business_id=connection.business_id)
    if resource.business_id != connection.business_id or resource.type != Resource.Type.STAFF:
        raise ConnectionRefused("Pick a staff member of this studio.")
    if resource.removed_date is not None:
        raise ConnectionRefused(f"{resource.name} has been removed; pick another staff member.")
    other = MagiclineInstructor.objects.filter(resource=resource).exclude(pk=instructor.pk).first()
    if other is not None:
        raise ConnectionRefused(
            f"{resource.name} already stands for the Magicline instructor {other.name}."
        )
    with transaction.atomic():
        linked = sync.link_instructor(
            connection=connection, instructor=instructor, resource=resource
        )
        record_change(
            business=connection.business,
            actor=actor,
            obj=linked,
            action="link",
            revision_before=None,
        )
    return linked


def retry_delivery(*, delivery: MagiclineWebhookDelivery) -> None:
    """Queue a failed or stalled delivery again (the health page's Retry; its Celery task
    re-reads everything it names). Refused for one that is neither."""
    with transaction.atomic():
        if not STORE.retry(delivery_pk=delivery.pk):
            raise ConnectionRefused(
                "Only a failed delivery can be retried. One still waiting can be retried once "
                f"it has waited {int(STALLED_AFTER.total_seconds() // 60)} minutes."
            )
        process_delivery.delay_on_commit(delivery.pk)


def refresh_now(*, connection: MagiclineConnection) -> None:
    """Queue the periodic refresh of the studio now (it heals missed deliveries)."""
    transaction.on_commit(lambda: refresh_bookings.delay(connection.pk))
