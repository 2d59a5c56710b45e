"""Event row fields as the local backend writes them: instants from wall-clock dates, resources."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from calendar_app import recurrence
from calendar_app.models import EventResource, format_local_date


def as_local(value) -> datetime:
    """A wall-clock date-time given as a stored ``localDate`` or as a naive datetime."""
    return value if isinstance(value, datetime) else recurrence.parse_local_date(value)


def set_instants(fields: dict) -> None:
    """Fill the UTC ``start``/``end`` from the wall-clock dates and the zone."""
    start_local, end_local = (
        as_local(fields[name]).replace(second=0, microsecond=0)
        for name in ("start_local_date", "end_local_date")
    )
    fields["start_local_date"] = format_local_date(start_local)
    fields["end_local_date"] = format_local_date(end_local)
    fields["start"], fields["end"] = recurrence.to_utc_span(
        start_local, end_local, fields["time_zone"]
    )


def align_to_rule_day(fields: dict, rule: dict) -> None:
    """Move a MASTER's first occurrence to the rule's weekday (on or after the given date)."""
    start = as_local(fields["start_local_date"])
    end = as_local(fields["end_local_date"])
    shift = (recurrence.DAYS.index(rule["days"][0]) - start.weekday()) % 7
    fields["start_local_date"] = format_local_date(start + timedelta(days=shift))
    fields["end_local_date"] = format_local_date(end + timedelta(days=shift))


def with_day(changes: dict, day) -> dict:
    """``changes`` with a new time moved to ``day`` (its time of day and length kept)."""
    if "start_local_date" not in changes:
        return changes
    start, end = as_local(changes["start_local_date"]), as_local(changes["end_local_date"])
    moved = datetime.combine(day, start.time())
    return {
        **changes,
        "start_local_date": format_local_date(moved),
        "end_local_date": format_local_date(moved + (end - start)),
    }


def set_resources(event_ids: Iterable[str], resource_ids: Iterable[str]) -> None:
    """Give each of the events exactly these resources (two queries, whatever the count)."""
    event_ids, resource_ids = list(event_ids), list(dict.fromkeys(resource_ids))
    EventResource.objects.filter(event_id__in=event_ids).exclude(
        resource_id__in=resource_ids
    ).delete()
    EventResource.objects.bulk_create(
        [EventResource(event_id=e, resource_id=r) for e in event_ids for r in resource_ids],
        batch_size=1000,
        ignore_conflicts=True,
    )
