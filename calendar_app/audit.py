"""The audit trail: one ChangeRecord per changed row, written by the function that makes the change.

Who (a member, an upstream connection with the source it came through, or the system), what
(field → [before, after]) and the revisions before and after. Bulk paths build records with
``change_record`` and bulk-create them; cascades compare ``event_rows`` readings.
"""

from datetime import datetime

from django.db.models import Q, QuerySet

from calendar_app.models import ChangeRecord, Event
from calendar_app.tenancy.models import Business, Membership


def record_change(
    *,
    business: Business,
    actor: Membership | None,
    obj,
    action: str,
    revision_before: int | None,
    upstream_connection=None,
    source: str = "",
    changes: dict | None = None,
) -> None:
    """Audit one change: who (a member; the upstream when ``upstream_connection`` is given, with
    the ``source`` it came through; else the system), what (``changes``: field → [before,
    after]), and the revisions. Changes that reach many rows use ``record_event_changes``."""
    change_record(
        business=business,
        actor=actor,
        obj=obj,
        action=action,
        revision_before=revision_before,
        upstream_connection=upstream_connection,
        source=source,
        changes=changes,
    ).save()


def change_record(
    *,
    business: Business,
    actor: Membership | None,
    obj,
    action: str,
    revision_before: int | None,
    upstream_connection=None,
    source: str = "",
    changes: dict | None = None,
) -> ChangeRecord:
    """``record_change``'s record, not saved yet: a batch of upstream changes (the Wix backlog
    drain) bulk-creates its records instead of one INSERT per change."""
    return new_change_record(
        business=business,
        actor=actor,
        object_type=type(obj).__name__,
        object_id=obj.pk,
        action=action,
        revision_before=revision_before,
        revision_after=getattr(obj, "revision", None),
        upstream_connection=upstream_connection,
        source=source,
        changes=changes,
    )


def new_change_record(
    *,
    business: Business,
    actor: Membership | None,
    object_type: str,
    object_id: str,
    action: str,
    revision_before: int | None,
    revision_after: int | None,
    upstream_connection=None,
    source: str = "",
    changes: dict | None = None,
) -> ChangeRecord:
    if upstream_connection is not None:
        actor_kind = ChangeRecord.ActorKind.UPSTREAM
    elif actor is not None:
        actor_kind = ChangeRecord.ActorKind.USER
    else:
        actor_kind = ChangeRecord.ActorKind.SYSTEM
    return ChangeRecord(
        business=business,
        actor_kind=actor_kind,
        actor=actor.user if actor else None,
        upstream_connection=upstream_connection,
        source=source,
        object_type=object_type,
        object_id=object_id,
        action=action,
        revision_before=revision_before,
        revision_after=revision_after,
        changes=changes or {},
    )


# The event fields the audit compares, before and after a change.
AUDITED_EVENT_FIELDS = (
    "status",
    "title",
    "start_local_date",
    "end_local_date",
    "time_zone",
    "location",
    "total_capacity",
    "remaining_capacity",
    "conferencing_details",
    "notes",
    "recurrence_type",
    "transparency",
    "cancelled_with_series",
    "removed_date",
)


def event_rows(events: QuerySet[Event]) -> dict[str, dict]:
    """The audited fields (and revision) of ``events``: pk → {field: JSON value}."""
    rows = events.values("pk", "revision", *AUDITED_EVENT_FIELDS)
    return {
        row.pop("pk"): {
            field: value.isoformat() if isinstance(value, datetime) else value
            for field, value in row.items()
        }
        for row in rows
    }


def series_rows(event: Event) -> dict[str, dict]:
    """``event_rows`` of the event and, for a series, of the MASTER and all its occurrences."""
    series = event.series_id
    return event_rows(
        Event.objects.filter(Q(pk=event.pk) | Q(pk=series) | Q(recurring_event_id=series))
    )


def record_event_changes(
    *,
    business: Business,
    actor: Membership | None,
    action: str,
    before: dict[str, dict],
    after: dict[str, dict],
    upstream_connection=None,
    source: str = "",
) -> int:
    """One ChangeRecord per event row that changed between two ``event_rows`` readings.

    A cascade (a series cancelled, re-timed or given a new capacity) is audited row by row with
    the fields that changed; a row that appeared is a ``create``, one that vanished a
    ``delete``. Returns how many records were written.
    """
    records = []
    for pk in after.keys() | before.keys():
        was, now = before.get(pk), after.get(pk)
        if was is None:
            row_action = "create"
            changes = {f: [None, v] for f, v in now.items() if f != "revision" and v is not None}
        elif now is None:
            row_action = "delete"
            changes = {f: [v, None] for f, v in was.items() if f != "revision" and v is not None}
        else:
            row_action = action
            changes = {f: [was[f], now[f]] for f in now if f != "revision" and was[f] != now[f]}
            if not changes and was["revision"] == now["revision"]:
                continue
        records.append(
            new_change_record(
                business=business,
                actor=actor,
                object_type="Event",
                object_id=pk,
                action=row_action,
                revision_before=was["revision"] if was else None,
                revision_after=now["revision"] if now else None,
                upstream_connection=upstream_connection,
                source=source,
                changes=changes,
            )
        )
    ChangeRecord.objects.bulk_create(records, batch_size=500)
    return len(records)
