"""Businesses and their members: every row of the app belongs to a business, and a member works
in it as an owner or as staff.

The models keep the ``calendar_app`` app label (their tables and migrations stay where they
are); ``calendar_app.models`` imports them, so Django and the other models' foreign keys find
them there.
"""

import zoneinfo

from django.conf import settings
from django.db import models


class Business(models.Model):
    class Backend(models.TextChoices):
        LOCAL = "local", "Local (this app is the calendar)"
        WIX = "wix", "Wix Calendar V3 (mirrored, written through)"

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    time_zone = models.CharField(max_length=64, default="Europe/Berlin")
    backend = models.CharField(max_length=20, choices=Backend.choices, default=Backend.LOCAL)
    events_view_end_date = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Recurring instances are materialized up to this instant (the events view).",
    )
    created_date = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "calendar_app"
        verbose_name_plural = "businesses"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    is_active = models.BooleanField(default=True)
    created_date = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "calendar_app"
        constraints = [
            models.UniqueConstraint(fields=["user", "business"], name="unique_membership"),
        ]
        ordering = ["business__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.business} ({self.role})"

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER
