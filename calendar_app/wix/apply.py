"""The one path that writes upstream state into the local store.

Webhooks, the backfill, reconciliation and the answers to write-through calls all come here, so
the revision rules live in one place (spec §6.1, §6.2):

- an update applies only when its revision is strictly higher than the stored one (compared as
  integers); an equal or lower one is a stale or duplicate delivery and changes nothing;
- a removal soft-deletes (``removed_date``) when its revision is equal or higher, and keeps that
  revision as a tombstone — also for an id never seen before, which gets a tombstone row — so a
  late stale update cannot resurrect the row, while a genuinely newer update revives it;
- a referenced schedule or resource that is not stored yet is fetched through ``client`` when
  one is given, else stored as a stub with revision 0 (any real payload replaces it);
- every applied change writes one ChangeRecord (actor kind ``upstream``, the connection and
  the ``source``: ``webhook``, ``backfill``, ``reconcile``, ``write_through``).

Each apply runs in one transaction holding a lock on the object's id (the row's own lock, or for
an id not stored yet a PostgreSQL advisory lock on the id): two workers applying deliveries for
the same event never interleave. Queries per apply are few and constant (an update: lock and
read, write, resource check, audit).
A malformed payload raises ``mapping.MappingError`` and writes nothing.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from calendar_app.models import Event, EventResource, Resource, Schedule, format_local_date
from calendar_app.recurrence import to_local
from calendar_app.services import record_change
from calendar_app.wix import mapping
from calendar_app.wix.models import WixConnection
from participants.models import Participation

logger = logging.getLogger(__name__)

CREATED = "created"
UPDATED = "updated"
REMOVED = "removed"
STALE = "stale"
IGNORED = "ignored"
STUB_REVISION = 0


@dataclass(frozen=True)
class ApplyResult:
    """What one apply did: ``outcome`` is created / updated / removed / stale / ignored."""

    object_type: str
    object_id: str
    outcome: str
    revision_before: int | None = None
    revision_after: int | None = None
    reason: str = ""

    @property
    def applied(self) -> bool:
        return self.outcome in (CREATED, UPDATED, REMOVED)


def _lock(kind: str, object_id: str) -> None:
    """Serialize applies of one id until the transaction ends (PostgreSQL only; SQLite has a
    single writer)."""
    if db_connection.vendor != "postgresql":
        return
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"wix:{kind}:{object_id}"]
        )


def _locked_row(model, kind: str, object_id: str):
    """The stored row, locked until the transaction ends; None for an id not stored yet.

    A stored row is locked by ``SELECT … FOR UPDATE`` (one query, the common case). For an
    unknown id an advisory lock on the id is taken first and the read repeated, so two workers
    creating the same row run one after the other and the second sees the first's row.
    """
    row = model.objects.select_for_update().filter(pk=object_id).first()
    if row is None:
        _lock(kind, object_id)
        row = model.objects.select_for_update().filter(pk=object_id).first()
    return row


def _audit(connection: WixConnection, obj, action: str, before: int | None, source: str) -> None:
    record_change(
        business=connection.business,
        actor=None,
        obj=obj,
        action=action,
        revision_before=before,
        upstream_connection=connection,
        source=source,
    )


def _decide(
    *,
    stored_revision: int | None,
    revision: int,
    removed: bool,
    is_removed: bool,
    revive: bool = False,
) -> str:
    """The revision rule: what an incoming change does to the stored row. ``revive``: the
    change comes from an authoritative listing, so it also revives a tombstone of the same
    revision (reconciliation: the upstream still has the row)."""
    if stored_revision is None:
        return REMOVED if removed else CREATED
    if removed:
        if revision > stored_revision or (revision == stored_revision and not is_removed):
            return REMOVED
        return STALE
    if revive and is_removed and revision == stored_revision:
        return UPDATED
    return UPDATED if revision > stored_revision else STALE


# Schedules


def apply_remote_schedule(
    *, connection: WixConnection, data: dict, source: str, client=None
) -> ApplyResult:
    """Store an upstream Schedule if its revision is newer than ours (a schedule is never
    removed upstream; a cancelled one arrives as an update with status CANCELLED)."""
    fields = mapping.schedule_from_wire(data)
    schedule_id, revision = fields.pop("id"), fields["revision"]
    with transaction.atomic():
        stored = _locked_row(Schedule, "schedule", schedule_id)
        if stored is not None and stored.business_id != connection.business_id:
            return _foreign("Schedule", schedule_id)
        outcome = _decide(
            stored_revision=stored and stored.revision,
            revision=revision,
            removed=False,
            is_removed=False,
        )
        if outcome == STALE:
            return ApplyResult("Schedule", schedule_id, STALE, stored.revision, stored.revision)
        before = stored.revision if stored else None
        if stored is None:
            fields.setdefault("name", fields.get("default_title") or "Schedule")
            stored = Schedule.objects.create(
                id=schedule_id, business_id=connection.business_id, **fields
            )
        else:
            for attribute, value in fields.items():
                setattr(stored, attribute, value)
            stored.save(update_fields=list(fields))
        _audit(connection, stored, "create" if outcome == CREATED else "update", before, source)
    return ApplyResult("Schedule", schedule_id, outcome, before, revision)


def _ensure_schedule(
    connection: WixConnection, schedule_id: str | None, *, name: str, time_zone: str, client
) -> str | None:
    """The id of a stored schedule of this business for ``schedule_id``: fetched through the
    client or stubbed when unknown; None when it belongs to another business."""
    schedule_id = schedule_id or f"unknown-schedule-{connection.business_id}"
    owner = Schedule.objects.filter(pk=schedule_id).values_list("business_id", flat=True).first()
    if owner is not None:
        return schedule_id if owner == connection.business_id else None
    if client is not None:
        from calendar_app.wix.client import WixError

        try:
            apply_remote_schedule(
                connection=connection,
                data=client.get_schedule(schedule_id),
                source="fetch",
            )
            return schedule_id
        except (WixError, mapping.MappingError) as error:
            logger.warning(
                "Schedule %s could not be fetched (%s); stored a stub.", schedule_id, error
            )
    Schedule.objects.get_or_create(
        pk=schedule_id,
        defaults={
            "business_id": connection.business_id,
            "name": name or "Schedule",
            "time_zone": time_zone,
            "revision": STUB_REVISION,
        },
    )
    return schedule_id


# Resources


def apply_remote_resource(
    *, connection: WixConnection, data: dict, removed: bool = False, source: str
) -> ApplyResult:
    """Store an upstream resource (Resources V2) by the revision rule; a removal soft-deletes."""
    fields = mapping.resource_from_wire(data)
    resource_id, revision = fields.pop("id"), fields["revision"]
    with transaction.atomic():
        stored = _locked_row(Resource, "resource", resource_id)
        if stored is not None and stored.business_id != connection.business_id:
            return _foreign("Resource", resource_id)
        outcome = _decide(
            stored_revision=stored and stored.revision,
            revision=revision,
            removed=removed,
            is_removed=bool(stored and stored.removed_date),
        )
        if outcome == STALE:
            return ApplyResult("Resource", resource_id, STALE, stored.revision, stored.revision)
        if (
            "schedule_id" in fields
            and not Schedule.objects.filter(
                pk=fields["schedule_id"], business_id=connection.business_id
            ).exists()
        ):
            del fields["schedule_id"]
        fields["removed_date"] = timezone.now() if removed else None
        before = stored.revision if stored else None
        if stored is None:
            fields.setdefault("name", "Resource")
            stored = Resource.objects.create(
                id=resource_id, business_id=connection.business_id, **fields
            )
        else:
            for attribute, value in fields.items():
                setattr(stored, attribute, value)
            stored.save(update_fields=list(fields))
        action = {CREATED: "create", UPDATED: "update", REMOVED: "remove"}[outcome]
        _audit(connection, stored, action, before, source)
    return ApplyResult("Resource", resource_id, outcome, before, revision)


def _link_resources(
    connection: WixConnection, event_id: str, resources: list[dict], *, is_new: bool
) -> None:
    """Give the event exactly these resources, stubbing the unknown ones (2-4 queries)."""
    wanted = {item["id"]: item for item in resources}
    current = (
        {}
        if is_new
        else dict(
            EventResource.objects.filter(event_id=event_id).values_list(
                "resource_id", "transparency"
            )
        )
    )
    if current == {rid: item["transparency"] for rid, item in wanted.items()}:
        return
    owners = dict(Resource.objects.filter(pk__in=wanted).values_list("pk", "business_id"))
    Resource.objects.bulk_create(
        [
            Resource(
                id=rid,
                business_id=connection.business_id,
                name=item["name"] or "Resource",
                type=item["type"][:40] or Resource.Type.STAFF,
                revision=STUB_REVISION,
            )
            for rid, item in wanted.items()
            if rid not in owners
        ],
        ignore_conflicts=True,
    )
    usable = {
        rid: item
        for rid, item in wanted.items()
        if owners.get(rid, connection.business_id) == connection.business_id
    }
    if current:
        EventResource.objects.filter(event_id=event_id).delete()
    EventResource.objects.bulk_create(
        [
            EventResource(event_id=event_id, resource_id=rid, transparency=item["transparency"])
            for rid, item in usable.items()
        ]
    )


# Events


def apply_remote_event(
    *,
    connection: WixConnection,
    data: dict,
    removed: bool = False,
    source: str,
    client=None,
    revive_tombstones_before: datetime | None = None,
) -> ApplyResult:
    """Store an upstream Event by the revision rule.

    ``data`` is the spec's Event (from a webhook body, a Query Events page or a write-through
    answer); ``removed`` marks an ``eventRemoved``. A cancellation is an update with status
    CANCELLED. Events of apps the connection does not mirror are ignored. An unknown schedule or
    resource is fetched through ``client`` when given, else stubbed.
    ``revive_tombstones_before`` is for a listing that is authoritative over its window
    (reconciliation): a row soft-deleted here before that instant, which the upstream lists at
    the very same revision, is revived (a tombstone written later, e.g. by a webhook while the
    listing was read, is newer news and kept).
    """
    fields = mapping.event_from_wire(data)
    event_id, revision = fields.pop("id"), fields["revision"]
    resources = fields.pop("resources", None)
    with transaction.atomic():
        stored = _locked_row(Event, "event", event_id)
        if stored is not None and stored.business_id != connection.business_id:
            return _foreign("Event", event_id)
        app_id = fields.get("app_id", stored.app_id if stored else "")
        if not connection.mirrors_app(app_id):
            return ApplyResult("Event", event_id, IGNORED, reason=f"app {app_id} not mirrored")
        outcome = _decide(
            stored_revision=stored and stored.revision,
            revision=revision,
            removed=removed,
            is_removed=bool(stored and stored.removed_date),
            revive=bool(
                revive_tombstones_before
                and stored
                and stored.removed_date
                and stored.removed_date < revive_tombstones_before
            ),
        )
        if outcome == STALE:
            return ApplyResult("Event", event_id, STALE, stored.revision, stored.revision)
        before = stored.revision if stored else None
        if outcome == REMOVED and stored is not None and revision == stored.revision:
            fields = {"revision": revision}  # the same revision: a tombstone, content unchanged
            resources = None
        fields["removed_date"] = timezone.now() if removed else None
        if stored is None:
            _complete_new_event(fields)
        if "schedule_id" in fields and (
            stored is None or fields["schedule_id"] != stored.schedule_id
        ):
            schedule_id = _ensure_schedule(
                connection,
                fields["schedule_id"],
                name=data.get("scheduleName") or "",
                time_zone=fields.get("time_zone") or stored.time_zone,
                client=client,
            )
            if schedule_id is None:
                return _foreign("Event", event_id)
            fields["schedule_id"] = schedule_id
        if stored is None:
            stored = Event.objects.create(id=event_id, business_id=connection.business_id, **fields)
        else:
            Event.objects.filter(pk=event_id).update(**fields)
            for attribute, value in fields.items():
                setattr(stored, attribute, value)
        if resources is not None:
            _link_resources(connection, event_id, resources, is_new=before is None)
        action = {CREATED: "create", UPDATED: "update", REMOVED: "remove"}[outcome]
        _audit(connection, stored, action, before, source)
    return ApplyResult("Event", event_id, outcome, before, revision)


def _complete_new_event(fields: dict) -> None:
    """Fill what a row needs but a sparse payload (a removal of an unseen id) may lack."""
    fields.setdefault("schedule_id", None)
    fields.setdefault("time_zone", "UTC")
    fields.setdefault("title", "")
    now = timezone.now()
    for side in ("start", "end"):
        instant: datetime = fields.setdefault(side, now)
        fields.setdefault(
            f"{side}_local_date", format_local_date(to_local(instant, fields["time_zone"]))
        )


# Participations


def apply_remote_participation(
    *,
    connection: WixConnection,
    data: dict,
    removed: bool = False,
    source: str,
    client=None,
) -> ApplyResult:
    """Store an upstream Participation by the revision rule; a removal (Delete Participation)
    sets ``cancelled_date`` and keeps the revision as a tombstone.

    A participation of an event not stored here is fetched (the event, through ``client``) or,
    without a client, ignored: a participation row needs its event.
    """
    fields = mapping.participation_from_wire(data)
    participation_id, revision = fields.pop("id"), fields["revision"]
    with transaction.atomic():
        stored = _locked_row(Participation, "participation", participation_id)
        if stored is not None and stored.business_id != connection.business_id:
            return _foreign("Participation", participation_id)
        outcome = _decide(
            stored_revision=stored and stored.revision,
            revision=revision,
            removed=removed,
            is_removed=bool(stored and stored.cancelled_date),
        )
        if outcome == STALE:
            return ApplyResult(
                "Participation", participation_id, STALE, stored.revision, stored.revision
            )
        if stored is None:
            reason = _attach_owner(connection, fields, client)
            if reason:
                return ApplyResult("Participation", participation_id, IGNORED, reason=reason)
        else:
            fields.pop("event_id", None)
            fields.pop("schedule_id", None)
        before = stored.revision if stored else None
        if outcome == REMOVED and stored is not None and revision == stored.revision:
            fields = {"revision": revision}
        fields["cancelled_date"] = timezone.now() if removed else None
        if stored is None:
            stored = Participation.objects.create(
                id=participation_id, business_id=connection.business_id, **fields
            )
        else:
            for attribute, value in fields.items():
                setattr(stored, attribute, value)
            stored.save(update_fields=list(fields))
        action = {CREATED: "create", UPDATED: "update", REMOVED: "remove"}[outcome]
        _audit(connection, stored, action, before, source)
    return ApplyResult("Participation", participation_id, outcome, before, revision)


def _attach_owner(connection: WixConnection, fields: dict, client) -> str:
    """Make sure a new participation's event (or schedule) is stored; returns why not, if not."""
    if "event_id" in fields:
        owner = Event.objects.filter(pk=fields["event_id"]).values_list("business_id", flat=True)
        business_id = owner.first()
        if business_id is None and client is not None:
            from calendar_app.wix.client import WixError

            try:
                apply_remote_event(
                    connection=connection,
                    data=client.get_event(fields["event_id"]),
                    source="fetch",
                    client=client,
                )
            except (WixError, mapping.MappingError) as error:
                return f"its event {fields['event_id']} could not be fetched ({error})"
            business_id = owner.first()
        if business_id is None:
            return f"its event {fields['event_id']} is not stored here"
        if business_id != connection.business_id:
            return "its event belongs to another business"
        return ""
    if "schedule_id" in fields:
        schedule_id = _ensure_schedule(
            connection, fields["schedule_id"], name="", time_zone="", client=client
        )
        return "" if schedule_id else "its schedule belongs to another business"
    return "it names neither an event nor a schedule"


def _foreign(object_type: str, object_id: str) -> ApplyResult:
    logger.warning("%s %s belongs to another business; not applied.", object_type, object_id)
    return ApplyResult(object_type, object_id, IGNORED, reason="belongs to another business")
