"""Reads behind the lists: the schedules page and its bulk operations, the calendar's filter
choices."""

import uuid
from dataclasses import dataclass
from functools import cached_property

from django.db.models import QuerySet

from calendar_app.backends import calendar_backend
from calendar_app.models import BulkOperation, Resource, Schedule
from calendar_app.tenancy.models import Business


def schedules_for(business: Business) -> QuerySet[Schedule]:
    return Schedule.objects.filter(business=business).order_by("name")


def active_schedules(business: Business) -> QuerySet[Schedule]:
    """Schedules that take new events: active, and not the dedicated blocked-time schedule."""
    return Schedule.objects.filter(
        business=business, status=Schedule.Status.ACTIVE, is_blocked_time=False
    ).order_by("name")


@dataclass(frozen=True)
class SchedulesPage:
    """The schedules list, whether a cancelled schedule can be restored (not upstream, where
    cancelling is final), and the operations still working on them (their progress bars)."""

    schedules: QuerySet[Schedule]
    can_restore: bool
    operations: QuerySet[BulkOperation]

    @cached_property
    def busy_schedule_ids(self) -> set[str]:
        """The schedules an operation is still working on (their controls wait for it)."""
        return {operation.schedule_id for operation in self.operations}


def schedules_page(business: Business) -> SchedulesPage:
    return SchedulesPage(
        schedules=schedules_for(business),
        can_restore=calendar_backend(business).can_restore_schedule,
        operations=unfinished_operations(business),
    )


def unfinished_operations(business: Business) -> QuerySet[BulkOperation]:
    """The business's bulk operations that are queued or running, oldest first."""
    return (
        BulkOperation.objects.filter(business=business, state__in=BulkOperation.UNFINISHED_STATES)
        .select_related("schedule")
        .order_by("created_date")
    )


def has_unfinished_operation(schedule: Schedule) -> bool:
    """Whether a bulk operation is still working on the schedule (its events, in the background)."""
    return unfinished_operations(schedule.business).filter(schedule=schedule).exists()


def operation_of(business: Business, operation_id: str) -> BulkOperation | None:
    """One bulk operation of the business (another business's id, or no id, finds nothing)."""
    try:
        operation_id = uuid.UUID(operation_id)
    except ValueError:
        return None
    return (
        BulkOperation.objects.filter(business=business, pk=operation_id)
        .select_related("schedule")
        .first()
    )


def resources_for(business: Business) -> QuerySet[Resource]:
    return Resource.objects.filter(business=business, removed_date__isnull=True).order_by(
        "type", "name"
    )
