"""A business's connection to its Wix Calendar V3 site, and the webhook deliveries it receives.

Secrets (the API key) are stored per business, shown back only masked and never logged.
"""

from django.db import models
from django.utils import timezone

from calendar_app.tenancy.models import Business

DEFAULT_BASE_URL = "https://www.wixapis.com"


def mask_secret(value: str) -> str:
    """The last four characters of a secret, the rest hidden (nothing at all for short ones)."""
    if len(value) <= 8:
        return "•" * len(value)
    return "•" * 8 + value[-4:]


class WixConnection(models.Model):
    class BackfillStatus(models.TextChoices):
        IDLE = "idle", "Not started"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, related_name="wix_connection"
    )
    base_url = models.URLField(default=DEFAULT_BASE_URL)
    api_key = models.TextField(help_text="Sent as the Authorization header; never shown in full.")
    site_id = models.CharField(max_length=100, help_text="Sent as the wix-site-id header.")
    instance_id = models.CharField(
        max_length=100, unique=True, help_text="The instanceId that the site's webhooks carry."
    )
    public_key_pem = models.TextField(help_text="The app's webhook public key (RSA, PEM).")
    app_ids = models.JSONField(
        default=list, blank=True, help_text="Mirror only events of these app ids; empty = all."
    )
    history_days = models.PositiveIntegerField(
        default=30, help_text="How many days back the backfill reads."
    )
    backfill_status = models.CharField(
        max_length=10, choices=BackfillStatus.choices, default=BackfillStatus.IDLE
    )
    backfill_done = models.PositiveIntegerField(default=0)
    backfill_total = models.PositiveIntegerField(default=0)
    backfill_error = models.TextField(blank=True)
    created_date = models.DateTimeField(default=timezone.now)
    updated_date = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Wix site {self.site_id} for {self.business}"

    @property
    def is_complete(self) -> bool:
        """Whether it has what every upstream call needs (a URL, the API key and the site id);
        without them the business's calendar cannot be written (see ``wix.backend``)."""
        return all(value.strip() for value in (self.base_url, self.api_key, self.site_id))

    @property
    def masked_api_key(self) -> str:
        return mask_secret(self.api_key)

    def mirrors_app(self, app_id: str) -> bool:
        """Whether events of ``app_id`` are mirrored (all are when no app ids are chosen)."""
        return not self.app_ids or app_id in self.app_ids


class WebhookDelivery(models.Model):
    """One verified webhook, stored before it is applied (the domain event's ``id`` is unique)."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"
        DROPPED = "dropped", "Dropped"

    connection = models.ForeignKey(
        WixConnection, on_delete=models.CASCADE, related_name="deliveries"
    )
    delivery_id = models.CharField(
        max_length=250, unique=True, help_text="The domain event's id (not the calendar event's)."
    )
    entity_fqdn = models.CharField(max_length=200)
    slug = models.CharField(max_length=100)
    entity_id = models.CharField(max_length=250, blank=True)
    event_time = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField(help_text="The decoded domain event.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["received_at", "id"]
        indexes = [
            models.Index(fields=["connection", "status", "received_at"], name="delivery_backlog"),
            models.Index(fields=["status", "received_at"], name="delivery_status_received"),
        ]

    def __str__(self) -> str:
        return f"{self.entity_fqdn}/{self.slug} {self.delivery_id} ({self.status})"


class WixErasure(models.Model):
    """An owner's erase of a person, still to reach (or reached) one participation mirrored from
    the Wix site: its participant's name, address and phone are blanked there too, the
    participation kept (``calendar_app.wix.erasure``). Made in the erase's transaction, run by a
    task, retried; a failure shows on the sync health page with a Retry."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    connection = models.ForeignKey(WixConnection, on_delete=models.CASCADE, related_name="erasures")
    participation = models.OneToOneField(
        "participants.Participation", on_delete=models.CASCADE, related_name="wix_erasure"
    )
    blank_contact = models.BooleanField(
        default=False, help_text="The participant had a Wix contact id; it is blanked as well."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_date = models.DateTimeField(default=timezone.now)
    done_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_date", "id"]
        indexes = [models.Index(fields=["connection", "status"], name="wix_erasure_status")]

    def __str__(self) -> str:
        return f"Erase participation {self.participation_id} in Wix ({self.status})"
