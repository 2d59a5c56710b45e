"""The Query Events filter language (the spec's §4 table, plus ``status``) as Django ``Q``s.

Every key and operator a filter may use is listed here; anything else is an ``EventQueryError``
naming what is not supported, so a filter never reaches the database unchecked.
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q

from calendar_app.models import EventResource
from calendar_app.validation import has_nul

# Query Events filter keys (the spec's §4 table, plus ``status``) → model field.
SCALAR_FILTERS = {
    "id": "id",
    "appId": "app_id",
    "scheduleId": "schedule_id",
    "externalScheduleId": "external_schedule_id",
    "type": "type",
    "recurringEventId": "recurring_event_id",
    "transparency": "transparency",
    "status": "status",
    "location.type": "location__type",
    "location.id": "location__id",
}
RESOURCE_FILTERS = {
    "resources.id": "resource_id",
    "resources.type": "resource__type",
    "resources.scheduleId": "resource__schedule_id",
    "resources.transparency": "transparency",
}
# Keys compared with $eq/$ne/$gt/$lt/$gte/$lte (and $exists where the spec allows it).
COMPARED_FILTERS = {
    "totalCapacity": ("total_capacity", True),
    "remainingCapacity": ("remaining_capacity", False),
}
EXISTS_FILTERS = {"location": "location", "conferencingDetails": "conferencing_details"}
COMPARISONS = {"$eq": "exact", "$gt": "gt", "$lt": "lt", "$gte": "gte", "$lte": "lte"}


class EventQueryError(ValueError):
    """The query cannot be answered as asked; the message says why."""


def filter_q(spec: dict[str, Any]) -> Q:
    """Translate the spec's query language (``$eq``/``$in``/``$hasSome``/``$hasAll``…) to a Q."""
    if not isinstance(spec, dict):
        raise EventQueryError("A filter is an object of field: condition.")
    q = Q()
    for key, condition in spec.items():
        if key in ("$and", "$or"):
            if not isinstance(condition, list):
                raise EventQueryError(f"'{key}' takes a list of filters.")
            parts = [filter_q(part) for part in condition]
            combined = Q()
            for part in parts:
                combined = combined & part if key == "$and" else combined | part
            q &= combined
        elif key == "$not":
            q &= ~filter_q(condition)
        elif key in SCALAR_FILTERS:
            q &= _scalar_q(SCALAR_FILTERS[key], key, condition)
        elif key in RESOURCE_FILTERS:
            q &= _resource_q(RESOURCE_FILTERS[key], key, condition)
        elif key in COMPARED_FILTERS:
            q &= _compared_q(*COMPARED_FILTERS[key], key, condition)
        elif key in EXISTS_FILTERS:
            q &= _exists_q(EXISTS_FILTERS[key], key, condition)
        else:
            raise EventQueryError(f"Filtering by '{key}' is not supported.")
    return q


def _operators(key: str, condition: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(condition, dict):
        condition = {"$eq": condition}
    unknown = set(condition) - allowed
    if unknown:
        raise EventQueryError(f"'{key}' does not support {', '.join(sorted(unknown))}.")
    return condition


def _scalar_q(model_field: str, key: str, condition: Any) -> Q:
    q = Q()
    for operator, value in _operators(key, condition, {"$eq", "$in"}).items():
        if operator == "$eq":
            _require_text(key, [value])
            q &= Q(**{model_field: value})
        else:
            if not isinstance(value, list):
                raise EventQueryError(f"'{key}' $in takes a list.")
            _require_text(key, value)
            q &= Q(**{f"{model_field}__in": value})
    return q


def _require_text(key: str, values: list) -> None:
    if not all(isinstance(value, str) and not has_nul(value) for value in values):
        raise EventQueryError(f"'{key}' compares with text values.")


def _compared_q(model_field: str, may_be_absent: bool, key: str, condition: Any) -> Q:
    allowed = {*COMPARISONS, "$ne"} | ({"$exists"} if may_be_absent else set())
    q = Q()
    for operator, value in _operators(key, condition, allowed).items():
        if operator == "$exists":
            q &= _exists_q(model_field, key, {"$exists": value})
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            raise EventQueryError(f"'{key}' {operator} takes a whole number.")
        if operator == "$ne":
            q &= ~Q(**{model_field: value}) | Q(**{f"{model_field}__isnull": True})
        else:
            q &= Q(**{f"{model_field}__{COMPARISONS[operator]}": value})
    return q


def _exists_q(model_field: str, key: str, condition: Any) -> Q:
    value = _operators(key, condition, {"$exists"}).get("$exists")
    if not isinstance(value, bool):
        raise EventQueryError(f"'{key}' takes $exists: true or false.")
    return Q(**{f"{model_field}__isnull": not value})


def _resource_q(model_field: str, key: str, condition: Any) -> Q:
    q = Q()
    for operator, values in _operators(key, condition, {"$hasSome", "$hasAll"}).items():
        if not isinstance(values, list) or not values:
            raise EventQueryError(f"'{key}' {operator} takes a non-empty list.")
        _require_text(key, values)
        if operator == "$hasSome":
            q &= Q(
                Exists(
                    EventResource.objects.filter(
                        event=OuterRef("pk"), **{f"{model_field}__in": values}
                    )
                )
            )
        else:
            for value in values:
                q &= Q(
                    Exists(
                        EventResource.objects.filter(event=OuterRef("pk"), **{model_field: value})
                    )
                )
    return q


def names_type(spec: dict, value: str) -> bool:
    """True when the filter asks for events of this ``type`` anywhere in it."""
    for key, condition in spec.items():
        if key in ("$and", "$or") and any(names_type(part, value) for part in condition):
            return True
        if key == "$not":
            continue
        if key == "type":
            values = (
                condition
                if not isinstance(condition, dict)
                else (condition.get("$in") or [condition.get("$eq")])
            )
            values = values if isinstance(values, list) else [values]
            if value in values:
                return True
    return False
