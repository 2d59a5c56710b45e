"""Counters of refused webhook deliveries and the record of each reconciliation run."""

from django.db import models
from django.utils import timezone

from calendar_app.sync.refusals import RefusalCount, once_per_reason


class IntakeRejection(RefusalCount):
    """How many webhook bodies were refused, per connection and reason.

    ``connection`` is empty when the delivery could not be tied to a connection (a body with no
    readable ``instanceId``, or an ``instanceId`` no connection has: ``unknown_instance``).
    """

    class Reason(models.TextChoices):
        SIGNATURE = "signature", "Rejected signature"
        MALFORMED = "malformed", "Malformed body"
        UNKNOWN_INSTANCE = "unknown_instance", "Unknown instance"

    connection = models.ForeignKey(
        "wix.WixConnection", on_delete=models.CASCADE, null=True, related_name="rejections"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)

    class Meta:
        constraints = once_per_reason("intake_rejection")


class Reconciliation(models.Model):
    """One run of the reconciliation of a connection: progress while it runs, repairs after."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    connection = models.ForeignKey(
        "wix.WixConnection", on_delete=models.CASCADE, related_name="reconciliations"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by_user = models.BooleanField(default=False)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    reached_date = models.DateTimeField(
        null=True, blank=True, help_text="Start of the last event read: how far the run got."
    )
    events_read = models.PositiveIntegerField(default=0)
    repaired = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_date = models.DateTimeField(default=timezone.now)
    started_date = models.DateTimeField(null=True, blank=True)
    finished_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_date", "-id"]
        indexes = [models.Index(fields=["connection", "-created_date"])]

    def __str__(self) -> str:
        return f"reconciliation {self.pk} ({self.status})"

    @property
    def percent_done(self) -> int:
        """How far through the window the run is (Query Events pages come in start order)."""
        if self.status == self.Status.DONE:
            return 100
        if not (self.window_start and self.window_end and self.reached_date):
            return 0
        span = (self.window_end - self.window_start).total_seconds()
        reached = (self.reached_date - self.window_start).total_seconds()
        return max(0, min(99, int(100 * reached / span))) if span > 0 else 0
