"""Conferencing automation: which events get a meeting, the provider's account, the meetings.

- ``ConferencingAutomation``: "add a meeting automatically" for one schedule or one bookable
  service (a ``BookableAppointment``), with the provider to use. For a business connected to
  Wix the schedule stands for its Wix Bookings service: its ``external_id`` is the service id
  that the webhooks carry as ``externalScheduleId``.
- ``GoogleCredentials``: the business's OAuth client and refresh token for Google Meet (kept to
  be used, so never rendered back in full nor logged); the short-lived access token is cached.
- ``Meeting``: at most one per event (the one-to-one key is the database's last word against a
  second meeting), with its links and state: pending, ready, failed (with the reason), deleted.
  ``written_details`` outlives a deletion, so links left on a cancelled event (a connected
  business's cancelled event refuses edits) are known to be the deleted meeting's.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from bookings.models import BookableAppointment
from calendar_app.models import Event, Schedule
from calendar_app.tenancy.models import Business


class Provider(models.TextChoices):
    BUILTIN = "builtin", "Built-in meeting rooms (no account needed)"
    GOOGLE_MEET = "google_meet", "Google Meet"


def masked(secret: str) -> str:
    """A secret as the owner may see it again: its last four characters."""
    if not secret:
        return ""
    return "…" + secret[-4:] if len(secret) > 8 else "…"


class ConferencingAutomation(models.Model):
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="conferencing_automations"
    )
    schedule = models.ForeignKey(
        Schedule,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conferencing_automations",
    )
    appointment = models.ForeignKey(
        BookableAppointment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conferencing_automations",
    )
    enabled = models.BooleanField(default=True, help_text="Add a meeting automatically.")
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.BUILTIN)
    updated_date = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(schedule__isnull=False, appointment__isnull=True)
                | Q(schedule__isnull=True, appointment__isnull=False),
                name="conferencing_automation_one_target",
            ),
            models.UniqueConstraint(
                fields=["schedule"],
                condition=Q(schedule__isnull=False),
                name="conferencing_automation_unique_schedule",
            ),
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(appointment__isnull=False),
                name="conferencing_automation_unique_appointment",
            ),
        ]

    def __str__(self) -> str:
        target = self.schedule or self.appointment
        return f"{target}: {self.get_provider_display()}{'' if self.enabled else ' (off)'}"


class GoogleCredentials(models.Model):
    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, related_name="google_credentials"
    )
    client_id = models.CharField(max_length=300)
    client_secret = models.CharField(max_length=300)
    refresh_token = models.CharField(max_length=2000)
    calendar_id = models.CharField(
        max_length=300, default="primary", help_text="The Google calendar the meetings go into."
    )
    access_token = models.CharField(max_length=4000, blank=True)
    access_token_expires = models.DateTimeField(null=True, blank=True)
    updated_date = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "Google credentials"

    def __str__(self) -> str:
        return f"Google credentials of {self.business}"

    @property
    def masked_client_secret(self) -> str:
        return masked(self.client_secret)

    @property
    def masked_refresh_token(self) -> str:
        return masked(self.refresh_token)


class Meeting(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        DELETED = "deleted", "Deleted"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="meetings")
    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="meeting")
    provider = models.CharField(max_length=20, choices=Provider.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    generation = models.PositiveIntegerField(
        default=1, help_text="Counts the provider meetings made for the event (after a delete)."
    )
    external_id = models.CharField(max_length=150, blank=True)
    host_url = models.URLField(max_length=2000, blank=True)
    guest_url = models.URLField(max_length=2000, blank=True)
    synced_fingerprint = models.CharField(
        max_length=64, blank=True, help_text="What the provider's meeting was last made from."
    )
    written_details = models.JSONField(
        null=True,
        blank=True,
        help_text="The conferencingDetails last written to the event (an upstream may leave "
        "them out of its answers, so the event's stored copy cannot say).",
    )
    error = models.TextField(blank=True)
    created_date = models.DateTimeField(default=timezone.now)
    updated_date = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["business", "state"], name="meeting_business_state")]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} meeting of {self.event_id} ({self.state})"

    @property
    def conferencing_details(self) -> dict:
        """The spec's ConferencingDetails for this meeting (type CUSTOM, our links and id)."""
        return {
            "type": "CUSTOM",
            "hostUrl": self.host_url,
            "guestUrl": self.guest_url,
            "externalId": self.external_id,
        }
