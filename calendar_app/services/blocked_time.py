"""Blocked time (owners only): one OPAQUE event on the business's blocked-time schedule holds
every resource it blocks, so it shows on each resource's calendar and counts as busy."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from calendar_app.errors import CalendarError
from calendar_app.models import Event, Schedule
from calendar_app.services.events import create_event
from calendar_app.services.schedules import create_schedule, restore_schedule
from calendar_app.services.series import create_weekly_events
from calendar_app.tenancy.access import require_owner
from calendar_app.tenancy.models import Business, Membership

BLOCKED_TIME_SCHEDULE_NAME = "Blocked time"


@transaction.atomic
def blocked_time_schedule(*, actor: Membership | None, business: Business) -> Schedule:
    """The business's one schedule for blocked time, created (or reactivated) on first use."""
    require_owner(actor, "block time", business_id=business.pk)
    Business.objects.select_for_update().filter(pk=business.pk).first()  # one creator at a time
    schedule = (
        Schedule.objects.filter(business=business, is_blocked_time=True)
        .order_by("created_date")
        .first()
    )
    if schedule is None:
        return create_schedule(
            actor=actor, business=business, name=BLOCKED_TIME_SCHEDULE_NAME, is_blocked_time=True
        )
    if schedule.status == Schedule.Status.CANCELLED:
        schedule = restore_schedule(
            actor=actor, schedule=schedule, expected_revision=schedule.revision
        )
    return schedule


@transaction.atomic
def block_time(
    *,
    actor: Membership | None,
    business: Business,
    resource_ids: Iterable[str],
    start_local: datetime,
    end_local: datetime,
    reason: str = "",
    days: Iterable[str] = (),
    interval: int = 1,
    until_local: datetime | None = None,
) -> list[Event]:
    """Block several resources at once, once or weekly on ``days`` (one MASTER per weekday)."""
    require_owner(actor, "block time", business_id=business.pk)
    resource_ids = list(resource_ids)
    if not resource_ids:
        raise CalendarError("Pick at least one resource to block.")
    schedule = blocked_time_schedule(actor=actor, business=business)
    fields = {
        "title": f"Blocked: {reason}" if reason else "Blocked",
        "start_local": start_local,
        "end_local": end_local,
        "type": Event.Type.DEFAULT,
        "transparency": Event.Transparency.OPAQUE,
        "resource_ids": resource_ids,
    }
    days = list(days)
    if days:
        return create_weekly_events(
            actor=actor,
            schedule=schedule,
            days=days,
            interval=interval,
            until_local=until_local,
            **fields,
        )
    return [create_event(actor=actor, schedule=schedule, **fields)]
