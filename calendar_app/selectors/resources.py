"""Reads of the by-resource calendar: which resources a page shows and when each works."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from bookings.models import WorkingHours, WorkingHoursOverride
from calendar_app.models import Resource
from calendar_app.tenancy.models import Business

MAX_SHOWN_RESOURCES = 100  # ids a filter may name (more is refused, not truncated)


class ResourceFilterError(ValueError):
    """The resource filter cannot be read (the sentence says why); the page answers 400."""


def shown_resources(
    business: Business, *, resources: list[Resource], requested: list[str]
) -> list[Resource]:
    """The resources a by-resource page shows: those ``requested`` (in the business's order),
    or every resource of the business when none is.

    ``resources`` are the business's resources (the filter's choices, read once by the page).
    Raises ``ResourceFilterError`` for too many or empty ids, and ``Resource.DoesNotExist`` for
    an id that is not one of them (another business's resource is not told apart from none:
    the page answers 404).
    """
    if len(requested) > MAX_SHOWN_RESOURCES:
        raise ResourceFilterError(
            f"Choose at most {MAX_SHOWN_RESOURCES} resources to show at once "
            f"({len(requested)} were asked for)."
        )
    wanted = [value.strip() for value in requested]
    if any(not value for value in wanted):
        raise ResourceFilterError("A resource to show was left empty: pick one from the list.")
    if not wanted:
        return list(resources)
    by_id = {resource.pk: resource for resource in resources}
    if missing := [value for value in wanted if value not in by_id]:
        raise Resource.DoesNotExist(f"No such resource: {missing[0]}.")
    chosen = set(wanted)
    return [resource for resource in resources if resource.pk in chosen]


def off_hours(
    business: Business, *, resource_ids: list[str], first_day: date, days: int
) -> dict[tuple[str, date], list[tuple[datetime, datetime]]]:
    """When each resource does not work on each day, as aware ``(start, end)`` spans in the
    business's zone: the day outside its shifts (the weekly hours, or that date's override;
    a closed override closes the whole day).

    A resource with no weekly hours and no override that day is left out (its hours are not
    kept here: nothing is shaded rather than the whole day). Two queries, whatever the days,
    in no order (the shifts are sorted here).
    """
    zone = business.zone
    last_day = first_day + timedelta(days=days - 1)
    weekly: dict[str, dict[int, list[tuple[time, time]]]] = defaultdict(lambda: defaultdict(list))
    for rid, weekday, start, end in (
        WorkingHours.objects.filter(resource_id__in=resource_ids)
        .order_by()
        .values_list("resource_id", "weekday", "start_time", "end_time")
    ):
        weekly[rid][weekday].append((start, end))
    overrides: dict[tuple[str, date], list[tuple[time, time] | None]] = defaultdict(list)
    for rid, day, closed, start, end in (
        WorkingHoursOverride.objects.filter(
            resource_id__in=resource_ids, date__gte=first_day, date__lte=last_day
        )
        .order_by()
        .values_list("resource_id", "date", "closed", "start_time", "end_time")
    ):
        overrides[(rid, day)].append(None if closed else (start, end))
    off: dict[tuple[str, date], list[tuple[datetime, datetime]]] = {}
    for rid in resource_ids:
        for n in range(days):
            day = first_day + timedelta(days=n)
            shifts = overrides.get((rid, day))
            if shifts is None:
                if rid not in weekly:
                    continue
                shifts = weekly[rid][day.weekday()]
            elif None in shifts:
                shifts = []
            off[(rid, day)] = _outside(day, sorted(shifts), zone)
    return off


def _outside(day: date, shifts: list[tuple[time, time]], zone) -> list[tuple[datetime, datetime]]:
    """The parts of ``day`` outside ``shifts`` (sorted, possibly overlapping)."""
    spans = []
    cursor = datetime.combine(day, time.min, tzinfo=zone)
    for start, end in shifts:
        begin = datetime.combine(day, start, tzinfo=zone)
        if begin > cursor:
            spans.append((cursor, begin))
        cursor = max(cursor, datetime.combine(day, end, tzinfo=zone))
    midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    if cursor < midnight:
        spans.append((cursor, midnight))
    return spans
