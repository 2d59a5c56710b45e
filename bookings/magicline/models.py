"""A studio's Magicline connection and the links between Magicline ids and the local store.

Magicline ids are 64-bit integers (``BigIntegerField``). The local store (``bookings.models``)
keeps what the app has seen; these rows say which Magicline object each local row mirrors.
Keys are stored as given (they are sent on every call) and never rendered or logged in full;
the webhook key also has a SHA-256 digest so an incoming ``x-api-key`` finds its studio by index
before the constant-time comparison.
"""

import hashlib

from django.db import models
from django.utils import timezone

from bookings.models import AppointmentBooking, BookableAppointment, Customer
from calendar_app.models import Resource
from calendar_app.sync.refusals import RefusalCount, once_per_reason
from calendar_app.tenancy.models import Business


def key_digest(key: str) -> str:
    """The SHA-256 hex digest a webhook key is looked up by."""
    return hashlib.sha256(key.encode()).hexdigest()


def masked(key: str) -> str:
    """A key as it may be shown: its last four characters only."""
    return f"…{key[-4:]}" if len(key) > 8 else "…"


class MagiclineConnection(models.Model):
    """One studio's tenant base URL, Open API key and webhook key: never mixed between studios."""

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, related_name="magicline_connection"
    )
    base_url = models.URLField(help_text="https://<tenant>.open-api.magicline.com")
    api_key = models.CharField(max_length=200)
    webhook_key = models.CharField(max_length=200)
    webhook_key_digest = models.CharField(max_length=64, unique=True, editable=False)
    max_slot_window_days = models.PositiveSmallIntegerField(
        default=6, help_text="The longest slot window the studio answers (lowered on a 400)."
    )
    enabled = models.BooleanField(default=True)
    last_checked_date = models.DateTimeField(null=True, blank=True)
    last_check_ok = models.BooleanField(null=True)
    last_sync_date = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_date = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Magicline {self.base_url} for {self.business}"

    def save(self, *args, **kwargs):
        self.webhook_key_digest = key_digest(self.webhook_key)
        super().save(*args, **kwargs)

    @property
    def api_key_hint(self) -> str:
        return masked(self.api_key)

    @property
    def webhook_key_hint(self) -> str:
        return masked(self.webhook_key)


class MagiclineAppointmentType(models.Model):
    """The bookable appointment mirroring a Magicline appointment type (``id`` of §2.1).

    ``magicline_id`` is empty for a type only known from a booking's title (bookings carry no
    type id): such an appointment is kept unlisted so the calendar can still show the booking.
    """

    connection = models.ForeignKey(
        MagiclineConnection, on_delete=models.CASCADE, related_name="appointment_types"
    )
    magicline_id = models.BigIntegerField(null=True, blank=True)
    appointment = models.OneToOneField(
        BookableAppointment, on_delete=models.CASCADE, related_name="magicline_type"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "magicline_id"], name="unique_magicline_appointment_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.magicline_id} → {self.appointment_id}"


class MagiclineInstructor(models.Model):
    """The local staff resource standing for a Magicline instructor (employee) of a studio.

    Made with a staff resource of its own the first time a slot or booking names the instructor;
    the owner may link it to an existing staff member instead (settings page). Bookings then show
    in that staff member's calendar column, and the booking screen names them.
    """

    connection = models.ForeignKey(
        MagiclineConnection, on_delete=models.CASCADE, related_name="instructors"
    )
    magicline_id = models.BigIntegerField()
    resource = models.OneToOneField(
        Resource, on_delete=models.CASCADE, related_name="magicline_instructor"
    )
    name = models.CharField(max_length=200, help_text="The name Magicline gives the instructor.")
    own_resource = models.BooleanField(
        default=True, help_text="The resource was made for this instructor (not linked by hand)."
    )

    class Meta:
        ordering = ["name", "magicline_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "magicline_id"], name="unique_magicline_instructor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.magicline_id} → {self.resource_id}"


class MagiclineCustomer(models.Model):
    """The local customer mirroring a Magicline customer (ids are valid across studios)."""

    connection = models.ForeignKey(
        MagiclineConnection, on_delete=models.CASCADE, related_name="customers"
    )
    magicline_id = models.BigIntegerField()
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="magicline")
    access_disabled = models.BooleanField(default=False)
    refreshed_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "magicline_id"], name="unique_magicline_customer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.magicline_id} → {self.customer_id}"


class MagiclineBooking(models.Model):
    """The local booking mirroring a Magicline booking, with the date-times as Magicline sent them.

    ``observed_timestamp`` is the newest webhook timestamp (ms) applied, for the health page; the
    state itself always comes from re-reading the booking, so the order of arrival does not matter.
    """

    connection = models.ForeignKey(
        MagiclineConnection, on_delete=models.CASCADE, related_name="bookings"
    )
    magicline_id = models.BigIntegerField()
    booking = models.OneToOneField(
        AppointmentBooking, on_delete=models.CASCADE, related_name="magicline"
    )
    start_date_time = models.CharField(max_length=80)
    end_date_time = models.CharField(max_length=80)
    instructors = models.JSONField(default=list, blank=True)
    refreshed_date = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "magicline_id"], name="unique_magicline_booking"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.magicline_id} → {self.booking_id}"


class MagiclineWebhookDelivery(models.Model):
    """One webhook call as received; ``uuid`` is unique, so a repeated delivery is stored once.
    Stored, claimed, retried and requeued through ``calendar_app.sync.deliveries``
    (``bookings.magicline.deliveries.STORE``)."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"

    connection = models.ForeignKey(
        MagiclineConnection, on_delete=models.CASCADE, related_name="deliveries"
    )
    uuid = models.CharField(max_length=64, unique=True)
    entity_id = models.BigIntegerField()
    payload = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    received_date = models.DateTimeField(default=timezone.now)
    processed_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_date"]
        indexes = [
            models.Index(fields=["connection", "status"], name="magicline_delivery_status"),
            models.Index(fields=["status", "received_date"], name="magicline_delivery_waiting"),
        ]

    def __str__(self) -> str:
        return f"{self.uuid} ({self.status})"


class MagiclineIntakeRefusal(RefusalCount):
    """How many webhook bodies were refused, per studio and reason; ``connection`` is empty for
    a key that names no studio (one counter, shown on every studio's health page)."""

    class Reason(models.TextChoices):
        UNKNOWN_KEY = "unknown_key", "Unknown or missing key"
        MALFORMED = "malformed", "Malformed body"
        OTHER_STUDIO = "other_studio", "Another studio's uuid"

    connection = models.ForeignKey(
        MagiclineConnection, on_delete=models.CASCADE, null=True, related_name="refusals"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)

    class Meta:
        constraints = once_per_reason("magicline_refusal")
