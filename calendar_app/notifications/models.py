"""The outbox: one row per message, written in the transaction of the change that causes it."""

import uuid
from datetime import timedelta

from django.db import models
from django.utils import timezone

from calendar_app.tenancy.models import Business

# The reasons a row is skipped rather than sent.
NO_EMAIL = "no email address"
UNSUBSCRIBED = "unsubscribed"
WIX_NOTIFIES = "Wix notifies its participants"


def new_message_id(*, kind: str) -> str:
    """A Message-ID of our own, fixed when the row is written, so a resend repeats it."""
    return f"<{uuid.uuid4().hex}.{kind}@dashboard>"


class Message(models.Model):
    """One notice to one person, rendered when queued and sent (at most once) by a task.

    ``recipient_key`` (the participation's id, or ``customer:<id>`` for an appointment's
    customer) with ``kind``, ``event_id`` (``booking:<id>`` for an appointment), ``occurrence``
    and ``revision`` is unique: a retried change, a duplicate webhook or a second click inserts
    nothing new, so nobody is told twice. ``revision`` is 0 except for a move, where it is the
    event's revision after the move: a second move tells again, the same move twice does not.

    ``ics`` is the iCalendar text (``ics.calendar_text``) sent as a ``text/calendar`` part and
    an ``.ics`` attachment, with ``ics_method`` (REQUEST or CANCEL) for the part's header.
    """

    class Kind(models.TextChoices):
        CANCELLED = "cancelled", "Cancelled"
        MOVED = "moved", "Moved"
        PARTICIPATION_ADDED = "participation_added", "Participation added"
        PARTICIPATION_CANCELLED = "participation_cancelled", "Participation cancelled"
        REMINDER = "reminder", "Reminder"
        APPOINTMENT_BOOKED = "appointment_booked", "Appointment booked"
        APPOINTMENT_CANCELLED = "appointment_cancelled", "Appointment cancelled"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="messages")
    participation = models.ForeignKey(
        "participants.Participation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    recipient_key = models.CharField(max_length=254)
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    event_id = models.CharField(max_length=250, db_index=True)
    occurrence = models.CharField(max_length=19, help_text="The occurrence's local start.")
    revision = models.BigIntegerField(
        default=0, help_text="The event's revision for a move (a move per revision); else 0."
    )
    subject = models.CharField(max_length=300)
    text_body = models.TextField()
    html_body = models.TextField()
    ics = models.TextField(blank=True, help_text="The iCalendar part and attachment.")
    ics_method = models.CharField(max_length=10, blank=True, help_text="REQUEST or CANCEL.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    reason = models.CharField(max_length=500, blank=True)
    message_id = models.CharField(max_length=250, unique=True)
    attempts = models.PositiveIntegerField(default=0)
    created_date = models.DateTimeField(default=timezone.now)
    updated_date = models.DateTimeField(default=timezone.now)
    sent_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient_key", "kind", "event_id", "occurrence", "revision"],
                name="notification_once_per_recipient",
            )
        ]
        indexes = [models.Index(fields=["business", "state"], name="notification_state")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.email or self.name} ({self.state})"


class Unsubscribe(models.Model):
    """An address that asked, by one click, for no more messages from this business."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    created_date = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "email"], name="unsubscribe_once")
        ]

    def __str__(self) -> str:
        return self.email


DEFAULT_LEAD = timedelta(hours=24)


class ReminderSetting(models.Model):
    """A schedule's reminders: on or off and how long before each occurrence they go out.

    A schedule without a row has reminders on, 24 hours ahead (``for_schedule``). Kept here,
    not on the schedule, because the core never imports notifications.
    """

    schedule = models.OneToOneField(
        "calendar_app.Schedule", on_delete=models.CASCADE, related_name="reminder_setting"
    )
    enabled = models.BooleanField(default=True)
    lead_time = models.DurationField(default=DEFAULT_LEAD)

    def __str__(self) -> str:
        return f"Reminders of {self.schedule_id}"


class SenderSetting(models.Model):
    """How a business's messages are signed: the sender's name (the From address stays
    ``DEFAULT_FROM_EMAIL``), where replies go, and a footer with its address and phone."""

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, related_name="notification_sender"
    )
    sender_name = models.CharField(max_length=100, blank=True)
    reply_to = models.EmailField(blank=True)
    footer_address = models.CharField(max_length=300, blank=True)
    footer_phone = models.CharField(max_length=50, blank=True)
    updated_date = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Sender of {self.business_id}"

    @property
    def footer(self) -> str:
        """The footer's one line, e.g. ``Main St 1, Berlin · +49 30 123``; empty for none."""
        return " · ".join(part for part in (self.footer_address, self.footer_phone) if part)
