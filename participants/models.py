"""Participations V3: who takes part in an event (or a whole schedule)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from calendar_app.models import Event, Schedule, new_id
from calendar_app.tenancy.models import Business


class Participation(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "CONFIRMED", "Confirmed"
        PENDING_CONFIRMATION = "PENDING_CONFIRMATION", "Pending confirmation"

    id = models.CharField(primary_key=True, max_length=250, default=new_id, editable=False)
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="participations")
    external_id = models.CharField(max_length=250, blank=True, db_index=True)
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="participations"
    )
    schedule = models.ForeignKey(
        Schedule, on_delete=models.CASCADE, null=True, blank=True, related_name="participations"
    )
    # participant: {name, phone, email, contactId}
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=50, blank=True)
    email = models.EmailField(blank=True)
    contact_id = models.CharField(max_length=250, blank=True)
    customer = models.ForeignKey(
        "bookings.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participations",
        help_text="The customer record this participant is (one person across classes and "
        "appointments); a local link, not part of the calendar contract.",
    )
    party_size = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.CONFIRMED)
    notes = models.TextField(blank=True)
    idempotency_key = models.CharField(
        max_length=64,
        blank=True,
        help_text="The add form's one-time key: a double-submitted form creates one participation.",
    )
    app_id = models.CharField(max_length=64, blank=True)
    revision = models.BigIntegerField(default=1)
    created_date = models.DateTimeField(default=timezone.now)
    updated_date = models.DateTimeField(default=timezone.now)
    cancelled_date = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when cancelled (the spec's Delete Participation); kept so it can be undone.",
    )

    class Meta:
        ordering = ["created_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(event__isnull=False, schedule__isnull=True)
                    | Q(event__isnull=True, schedule__isnull=False)
                ),
                name="participation_event_xor_schedule",
            ),
            models.CheckConstraint(
                condition=Q(party_size__gte=1) & Q(party_size__lte=1000),
                name="participation_party_size_range",
            ),
            models.UniqueConstraint(
                fields=["event", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="participation_event_idempotency_key",
            ),
        ]
        indexes = [models.Index(fields=["event", "cancelled_date"], name="participation_event")]

    def __str__(self) -> str:
        return f"{self.name} ({self.party_size})"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_date is not None
