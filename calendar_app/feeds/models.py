"""Calendar feeds: an iCalendar subscription of a business, a schedule or a resource.

The URL carries an unguessable token (32 random bytes, URL-safe); rotating it gives the feed a
new token and revoking it ends the link, so an old URL answers 404 either way.
"""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

from calendar_app.models import Resource, Schedule
from calendar_app.tenancy.models import Business


def new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    class Kind(models.TextChoices):
        BUSINESS = "BUSINESS", "Whole business"
        SCHEDULE = "SCHEDULE", "Schedule"
        RESOURCE = "RESOURCE", "Resource"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="feeds")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    schedule = models.ForeignKey(
        Schedule, on_delete=models.CASCADE, null=True, blank=True, related_name="feeds"
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, null=True, blank=True, related_name="feeds"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    include_personal_data = models.BooleanField(
        default=False, help_text="Participants' names and the events' notes go into the feed."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_date = models.DateTimeField(default=timezone.now)
    updated_date = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="BUSINESS", schedule__isnull=True, resource__isnull=True)
                    | Q(kind="SCHEDULE", schedule__isnull=False, resource__isnull=True)
                    | Q(kind="RESOURCE", schedule__isnull=True, resource__isnull=False)
                ),
                name="feed_target_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["business"], condition=Q(kind="BUSINESS"), name="one_business_feed"
            ),
            models.UniqueConstraint(
                fields=["schedule"], condition=Q(kind="SCHEDULE"), name="one_schedule_feed"
            ),
            models.UniqueConstraint(
                fields=["resource"], condition=Q(kind="RESOURCE"), name="one_resource_feed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} feed of {self.business}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def target_name(self) -> str:
        """What the feed shows, as the subscriber's calendar app names it."""
        if self.kind == self.Kind.SCHEDULE:
            return self.schedule.name
        if self.kind == self.Kind.RESOURCE:
            return self.resource.name
        return self.business.name
