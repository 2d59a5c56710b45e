"""Participations V3: who takes part in an event (or a whole schedule)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from calendar_app.models import Event, Schedule, new_id
from calendar_app.tenancy.models import Business, Membership


class Participation(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "CONFIRMED", "Confirmed"
        PENDING_CONFIRMATION = "PENDING_CONFIRMATION", "Pending confirmation"

    class Attendance(models.TextChoices):
        CHECKED_IN = "CHECKED_IN", "Checked in"
        NO_SHOW = "NO_SHOW", "No-show"
        # Set by the system (``mark_not_recorded``) when nobody marked a participant within
        # two hours of the end: staff did not record it, which says nothing of whether they came.
        NOT_RECORDED = "NOT_RECORDED", "Not recorded"

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
    attendance = models.CharField(
        max_length=20, choices=Attendance.choices, blank=True, help_text="Empty: not marked yet."
    )
    attendance_marked_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attendance_marked_date = models.DateTimeField(null=True, blank=True)

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


def freed_by_note(*, name: str, cancelled: bool) -> str:
    """What freed a place, as a promotion's audit record says it: the cancel of a participation
    or its smaller party, named by the participant (an erase scrubs the name from these)."""
    return f"cancel of {name}" if cancelled else f"party of {name} shrank"


class WaitlistSetting(models.Model):
    """A schedule's waitlist rules: how many may wait per occurrence (empty: no limit) and
    whether a freed place goes to the first who fits at once, or is offered to staff."""

    class Promotion(models.TextChoices):
        AUTOMATIC = "AUTOMATIC", "Automatic"
        OFFER_TO_STAFF = "OFFER_TO_STAFF", "Offer to staff"

    schedule = models.OneToOneField(
        Schedule, on_delete=models.CASCADE, related_name="waitlist_setting"
    )
    limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="People who may wait per occurrence; empty: no limit."
    )
    promotion = models.CharField(
        max_length=20, choices=Promotion.choices, default=Promotion.AUTOMATIC
    )

    def __str__(self) -> str:
        return f"Waitlist of {self.schedule_id}"

    @classmethod
    def for_schedule(cls, schedule_id: str) -> "WaitlistSetting":
        """The schedule's setting, or the default (no limit, automatic) when it has none."""
        return cls.objects.filter(schedule_id=schedule_id).first() or cls(schedule_id=schedule_id)


class WaitlistEntry(models.Model):
    """Someone waiting for a place on a full event; takes no place until promoted.

    Kept after it ends (``promoted_date`` with the participation it became, or
    ``removed_date``), so the history and the demand that never got a place stay countable.
    """

    id = models.CharField(primary_key=True, max_length=250, default=new_id, editable=False)
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="waitlist_entries")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    party_size = models.PositiveIntegerField(default=1)
    position = models.PositiveIntegerField(help_text="Order among those waiting (1 is first).")
    joined_date = models.DateTimeField(default=timezone.now)
    promoted_date = models.DateTimeField(null=True, blank=True)
    participation = models.OneToOneField(
        Participation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_entry",
        help_text="The participation this entry became when a place freed.",
    )
    removed_date = models.DateTimeField(null=True, blank=True)
    refused_reason = models.CharField(
        max_length=500,
        blank=True,
        help_text="Why the calendar (an upstream) last refused this person a freed place.",
    )
    notified_date = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the promoted person was told of their place; empty after a promotion "
        "marks them as still to be told (there is no notifications outbox yet).",
    )

    class Meta:
        ordering = ["position", "joined_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(party_size__gte=1) & Q(party_size__lte=1000),
                name="waitlist_party_size_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["event", "position"],
                condition=Q(promoted_date__isnull=True, removed_date__isnull=True),
                name="waitlist_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.party_size}) waiting"

    @property
    def is_waiting(self) -> bool:
        return self.promoted_date is None and self.removed_date is None
