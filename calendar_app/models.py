"""The local store of the Calendar V3 objects.

Field names are the snake_case forms of the spec's camelCase names (``recurrenceType`` →
``recurrence_type``); enum values are the spec's strings. ``start``/``end`` hold the UTC instant
(``utcDate``) for indexing, ``start_local_date``/``end_local_date`` the wall-clock ``localDate``
that the event keeps when zone rules change.
"""

import uuid
import zoneinfo
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from calendar_app.tenancy.models import Business, Membership  # noqa: F401 (the app's models are found here)


def new_id() -> str:
    """A GUID string, the shape of the spec's ids."""
    return str(uuid.uuid4())


LOCAL_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


def format_local_date(value: datetime) -> str:
    """A naive wall-clock datetime as the spec's ``localDate`` (seconds are always ``:00``).

    ``isoformat`` pads the year to four digits; ``strftime("%Y")`` does not on glibc, which
    stored year 1 as ``1-01-01T10:00:00``, a value ``parse_local_date`` then refuses.
    """
    return value.replace(second=0, microsecond=0, tzinfo=None).isoformat(timespec="seconds")


def parse_local_date(value: str) -> datetime:
    return datetime.strptime(value, LOCAL_DATE_FORMAT)


class Schedule(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"
        CANCELLED = "CANCELLED"

    id = models.CharField(primary_key=True, max_length=250, default=new_id, editable=False)
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="schedules")
    external_id = models.CharField(max_length=250, blank=True, db_index=True)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    time_zone = models.CharField(max_length=64, blank=True)
    business_time_zone_enabled = models.BooleanField(default=True)
    default_title = models.CharField(max_length=200, blank=True)
    default_location = models.JSONField(null=True, blank=True)
    default_capacity = models.PositiveIntegerField(null=True, blank=True)
    default_conferencing_details = models.JSONField(null=True, blank=True)
    app_id = models.CharField(max_length=64, blank=True)
    is_blocked_time = models.BooleanField(
        default=False, help_text="A dedicated schedule whose events block their resources."
    )
    revision = models.BigIntegerField(default=1)
    created_date = models.DateTimeField(default=timezone.now)
    updated_date = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["business", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_time_zone(self) -> str:
        return self.time_zone or self.business.time_zone


class Resource(models.Model):
    class Type(models.TextChoices):
        STAFF = "STAFF", "Staff"
        ROOM = "ROOM", "Room"
        EQUIPMENT = "EQUIPMENT", "Equipment"

    id = models.CharField(primary_key=True, max_length=250, default=new_id, editable=False)
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=40, choices=Type.choices, default=Type.STAFF)
    schedule = models.ForeignKey(
        Schedule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The resource's own schedule (the spec's resources[].scheduleId).",
    )
    revision = models.BigIntegerField(default=1)
    created_date = models.DateTimeField(default=timezone.now)
    updated_date = models.DateTimeField(default=timezone.now)
    removed_date = models.DateTimeField(
        null=True, blank=True, help_text="Soft delete: removed upstream; the row is kept."
    )

    class Meta:
        ordering = ["type", "name"]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    class Type(models.TextChoices):
        DEFAULT = "DEFAULT"
        WORKING_HOURS = "WORKING_HOURS"
        APPOINTMENT = "APPOINTMENT"
        CLASS = "CLASS"
        COURSE = "COURSE"

    class Status(models.TextChoices):
        CONFIRMED = "CONFIRMED"
        CANCELLED = "CANCELLED"
        PENDING_CONFIRMATION = "PENDING_CONFIRMATION"

    class RecurrenceType(models.TextChoices):
        NONE = "NONE"
        MASTER = "MASTER"
        INSTANCE = "INSTANCE"
        EXCEPTION = "EXCEPTION"

    class Transparency(models.TextChoices):
        OPAQUE = "OPAQUE"
        TRANSPARENT = "TRANSPARENT"

    id = models.CharField(primary_key=True, max_length=250, default=new_id, editable=False)
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="events")
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="events")
    external_schedule_id = models.CharField(max_length=250, blank=True)
    type = models.CharField(max_length=40, default=Type.DEFAULT)
    status = models.CharField(max_length=40, choices=Status.choices, default=Status.CONFIRMED)
    title = models.CharField(max_length=200)
    start_local_date = models.CharField(max_length=19)
    end_local_date = models.CharField(max_length=19)
    start = models.DateTimeField(help_text="UTC instant of start.localDate in time_zone.")
    end = models.DateTimeField(help_text="UTC instant of end.localDate in time_zone.")
    time_zone = models.CharField(max_length=64)
    all_day = models.BooleanField(default=False)
    recurrence_type = models.CharField(
        max_length=40, choices=RecurrenceType.choices, default=RecurrenceType.NONE
    )
    recurrence_rule = models.JSONField(null=True, blank=True)
    recurring_event_id = models.CharField(max_length=250, blank=True, db_index=True)
    transparency = models.CharField(
        max_length=40, choices=Transparency.choices, default=Transparency.OPAQUE
    )
    location = models.JSONField(null=True, blank=True)
    resources = models.ManyToManyField(
        Resource, through="EventResource", related_name="events", blank=True
    )
    total_capacity = models.PositiveIntegerField(null=True, blank=True)
    remaining_capacity = models.IntegerField(null=True, blank=True)
    conferencing_details = models.JSONField(null=True, blank=True)
    notes = models.TextField(blank=True)
    inherited_fields = models.JSONField(default=list, blank=True)
    app_id = models.CharField(max_length=64, blank=True)
    extended_fields = models.JSONField(null=True, blank=True)
    revision = models.BigIntegerField(default=1)
    created_date = models.DateTimeField(default=timezone.now)
    updated_date = models.DateTimeField(default=timezone.now)
    cancelled_with_series = models.BooleanField(
        default=False,
        help_text="Cancelled by cancelling its whole series; restoring the series brings it back.",
    )
    removed_date = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Soft delete: set when the event left the upstream view; the row is kept.",
    )

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["business", "start", "id"], name="event_business_start"),
            models.Index(fields=["business", "end"], name="event_business_end"),
            models.Index(fields=["business", "recurrence_type"], name="event_business_rtype"),
            # The calendar's reads (selectors.events_per_day): each day's events in start
            # order and its count from the index alone, for the events a calendar shows. The
            # columns after id only cover the filters (id is unique, the order stays start, id);
            # key columns rather than INCLUDE, which SQLite ignores.
            models.Index(
                fields=["business", "start", "id", "end", "status", "schedule"],
                condition=Q(
                    removed_date__isnull=True,
                    recurrence_type__in=["NONE", "INSTANCE", "EXCEPTION"],
                )
                & ~Q(type="WORKING_HOURS"),
                name="event_calendar_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} @ {self.start_local_date}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def start_local(self) -> datetime:
        return parse_local_date(self.start_local_date)

    @property
    def end_local(self) -> datetime:
        return parse_local_date(self.end_local_date)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_recurring(self) -> bool:
        return self.recurrence_type in (
            self.RecurrenceType.INSTANCE,
            self.RecurrenceType.EXCEPTION,
        )

    @property
    def series_id(self) -> str:
        """The MASTER's id for an occurrence of a series, the event's own id otherwise."""
        return self.recurring_event_id or self.id


class EventResource(models.Model):
    """An event's use of a resource (the spec's ``event.resources[]``)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="event_resources")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    transparency = models.CharField(
        max_length=20, choices=Event.Transparency.choices, default=Event.Transparency.OPAQUE
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "resource"], name="unique_event_resource"),
        ]
        indexes = [models.Index(fields=["resource", "event"], name="eventresource_resource")]

    def __str__(self) -> str:
        return f"{self.resource_id} on {self.event_id}"


class ChangeRecord(models.Model):
    """Audit trail: who changed what, with the revision before and after."""

    class ActorKind(models.TextChoices):
        USER = "user"
        UPSTREAM = "upstream"
        SYSTEM = "system"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="changes")
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    upstream_connection = models.ForeignKey(
        "wix.WixConnection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The upstream connection an ``upstream`` change came through.",
    )
    source = models.CharField(
        max_length=40,
        blank=True,
        help_text="How an upstream change arrived: webhook, backfill, reconcile, write_through.",
    )
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=250)
    action = models.CharField(max_length=40)
    revision_before = models.BigIntegerField(null=True, blank=True)
    revision_after = models.BigIntegerField(null=True, blank=True)
    changes = models.JSONField(
        default=dict,
        blank=True,
        help_text="The fields that changed: field → [before, after] (a new row: [null, value]).",
    )
    created_date = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_date", "-id"]
        indexes = [models.Index(fields=["business", "object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id}"


class BulkOperation(models.Model):
    """A change too large for one request, done by a Celery task in batches: what it is, how
    far it got (``done`` of ``total`` rows), and how it ended. The page polls it."""

    class Kind(models.TextChoices):
        CANCEL_SCHEDULE = "cancel_schedule", "Cancel a schedule's future events"

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="bulk_operations")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="bulk_operations")
    cutoff = models.DateTimeField(
        help_text="The instant the operation was asked for: events from then on are its rows."
    )
    total = models.PositiveIntegerField(help_text="Rows to change, counted when it was queued.")
    done = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_date = models.DateTimeField(default=timezone.now)
    updated_date = models.DateTimeField(default=timezone.now)
    finished_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_date"]
        indexes = [models.Index(fields=["business", "state"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.done}/{self.total}, {self.state})"

    UNFINISHED_STATES = (State.QUEUED, State.RUNNING)

    @property
    def is_finished(self) -> bool:
        return self.state not in self.UNFINISHED_STATES

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 100
