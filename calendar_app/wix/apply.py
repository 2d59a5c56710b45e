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
the same event never interleave. Every apply opens the same way (``_open``/``_judge``: lock,
refuse another business's row, the revision rule, stop when stale). Queries per apply are few
and constant (an update: lock and read, write, resource check, audit). Many event changes are
applied together by ``apply_remote_events`` (the worker draining its backlog): the same rules,
the rows locked in id order, a constant number of queries per batch.
A malformed payload raises ``mapping.MappingError`` and writes nothing.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from calendar_app.audit import change_record
from calendar_app.models import (
    ChangeRecord,
    Event,
    EventResource,
    Resource,
    Schedule,
    format_local_date,
)
from calendar_app.recurrence import to_local
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


def _lock_ids(kind: str, object_ids: Sequence[str]) -> None:
    """Serialize applies of these ids until the transaction ends, taking the locks in id order
    (two batches never wait on each other crosswise). PostgreSQL only; SQLite has a single
    writer."""
    if db_connection.vendor != "postgresql" or not object_ids:
        return
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) "
            "FROM (SELECT k FROM unnest(%s::text[]) AS k ORDER BY k) AS ids",
            [[f"wix:{kind}:{object_id}" for object_id in object_ids]],
        )


def _locked_rows(model, object_ids: Iterable[str]) -> dict[str, Any]:
    """The stored rows of these ids, locked until the transaction ends (ids not stored yet are
    absent).

    Stored rows are locked by one ``SELECT … FOR UPDATE`` in id order (the common case). For
    unknown ids advisory locks on the ids are taken first and the read repeated, so two workers
    creating the same row run one after the other and the second sees the first's row.
    """
    ids = sorted(set(object_ids))
    locked = model.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    rows = {row.pk: row for row in locked}
    missing = [object_id for object_id in ids if object_id not in rows]
    if missing:
        _lock_ids(model.__name__.lower(), missing)
        rows |= {row.pk: row for row in locked.filter(pk__in=missing)}
    return rows


def _audit_record(connection: WixConnection, obj, action: str, before: int | None, source: str):
    return change_record(
        business=connection.business,
        actor=None,
        obj=obj,
        action=action,
        revision_before=before,
        upstream_connection=connection,
        source=source,
    )


def _audit(connection: WixConnection, obj, action: str, before: int | None, source: str) -> None:
    _audit_record(connection, obj, action, before, source).save()


ACTIONS = {CREATED: "create", UPDATED: "update", REMOVED: "remove"}


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


@dataclass(frozen=True)
class Opening:
    """A change that the revision rule lets through: the locked row (None for an id not stored
    yet) and what the change does to it."""

    stored: Any
    outcome: str

    @property
    def before(self) -> int | None:
        return None if self.stored is None else self.stored.revision


def _judge(
    stored,
    *,
    connection: WixConnection,
    object_type: str,
    object_id: str,
    revision: int,
    removed: bool = False,
    removed_field: str = "",
    ignored: Callable[[Any], str] | None = None,
    revive_before: datetime | None = None,
) -> Opening | ApplyResult:
    """How every apply opens, on the row already locked: another business's row is refused,
    ``ignored`` may name a reason to leave the change out, then the revision rule decides
    (``revive_before``: see ``apply_remote_event``). An ``ApplyResult`` when nothing is to be
    written (foreign, ignored, stale)."""
    if stored is not None and stored.business_id != connection.business_id:
        return _foreign(object_type, object_id)
    if ignored is not None and (reason := ignored(stored)):
        return ApplyResult(object_type, object_id, IGNORED, reason=reason)
    removed_date = getattr(stored, removed_field) if stored is not None and removed_field else None
    outcome = _decide(
        stored_revision=None if stored is None else stored.revision,
        revision=revision,
        removed=removed,
        is_removed=removed_date is not None,
        revive=bool(revive_before and removed_date and removed_date < revive_before),
    )
    if outcome == STALE:
        return ApplyResult(object_type, object_id, STALE, stored.revision, stored.revision)
    return Opening(stored, outcome)


def _open(model, *, object_id: str, **judged) -> Opening | ApplyResult:
    """Lock the object's row (or its id, when not stored yet), then ``_judge`` the change."""
    stored = _locked_rows(model, [object_id]).get(object_id)
    return _judge(stored, object_type=model.__name__, object_id=object_id, **judged)


# Schedules


def apply_remote_schedule(
    *, connection: WixConnection, data: dict, source: str, client=None
) -> ApplyResult:
    """Store an upstream Schedule if its revision is newer than ours (a schedule is never
    removed upstream; a cancelled one arrives as an update with status CANCELLED)."""
    fields = mapping.schedule_from_wire(data)
    schedule_id, revision = fields.pop("id"), fields["revision"]
    with transaction.atomic():
        opening = _open(Schedule, object_id=schedule_id, connection=connection, revision=revision)
        if isinstance(opening, ApplyResult):
            return opening
        stored, outcome, before = opening.stored, opening.outcome, opening.before
        if stored is None:
            fields.setdefault("name", fields.get("default_title") or "Schedule")
            stored = Schedule.objects.create(
                id=schedule_id, business_id=connection.business_id, **fields
            )
        else:
            for attribute, value in fields.items():
                setattr(stored, attribute, value)
            stored.save(update_fields=list(fields))
        _audit(connection, stored, ACTIONS[outcome], before, source)
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
        opening = _open(
            Resource,
            object_id=resource_id,
            connection=connection,
            revision=revision,
            removed=removed,
            removed_field="removed_date",
        )
        if isinstance(opening, ApplyResult):
            return opening
        stored, outcome, before = opening.stored, opening.outcome, opening.before
        if (
            "schedule_id" in fields
            and not Schedule.objects.filter(
                pk=fields["schedule_id"], business_id=connection.business_id
            ).exists()
        ):
            del fields["schedule_id"]
        fields["removed_date"] = timezone.now() if removed else None
        if stored is None:
            fields.setdefault("name", "Resource")
            stored = Resource.objects.create(
                id=resource_id, business_id=connection.business_id, **fields
            )
        else:
            for attribute, value in fields.items():
                setattr(stored, attribute, value)
            stored.save(update_fields=list(fields))
        _audit(connection, stored, ACTIONS[outcome], before, source)
    return ApplyResult("Resource", resource_id, outcome, before, revision)


def _link_resources(connection: WixConnection, wanted: dict[str, list[dict]], new: set) -> None:
    """Give each event exactly its resources (``wanted``: event id → the payload's resources),
    stubbing the unknown ones: a few queries for the whole batch, none for unchanged links."""
    current: dict[str, dict[str, str]] = defaultdict(dict)
    stored = [event_id for event_id in wanted if event_id not in new]
    if stored:
        links = EventResource.objects.filter(event_id__in=stored)
        for event_id, resource_id, transparency in links.values_list(
            "event_id", "resource_id", "transparency"
        ):
            current[event_id][resource_id] = transparency
    changed = {
        event_id: {item["id"]: item for item in items}
        for event_id, items in wanted.items()
        if current.get(event_id, {}) != {item["id"]: item["transparency"] for item in items}
    }
    if not changed:
        return
    items = {rid: item for by_id in changed.values() for rid, item in by_id.items()}
    owners = dict(Resource.objects.filter(pk__in=items).values_list("pk", "business_id"))
    Resource.objects.bulk_create(
        [
            Resource(
                id=rid,
                business_id=connection.business_id,
                name=item["name"] or "Resource",
                type=item["type"][:40] or Resource.Type.STAFF,
                revision=STUB_REVISION,
            )
            for rid, item in items.items()
            if rid not in owners
        ],
        ignore_conflicts=True,
    )
    relinked = [event_id for event_id in changed if current.get(event_id)]
    if relinked:
        EventResource.objects.filter(event_id__in=relinked).delete()
    EventResource.objects.bulk_create(
        [
            EventResource(event_id=event_id, resource_id=rid, transparency=item["transparency"])
            for event_id, by_id in changed.items()
            for rid, item in by_id.items()
            if owners.get(rid, connection.business_id) == connection.business_id
        ]
    )


# Events


class EventChangeRefused(mapping.MappingError):
    """One change of a batch is not the spec's Event shape (``index`` says which); nothing of
    the batch was written."""

    def __init__(self, index: int, error: mapping.MappingError):
        super().__init__(str(error))
        self.index = index


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
    [result] = apply_remote_events(
        connection=connection,
        changes=[(data, removed)],
        source=source,
        client=client,
        revive_tombstones_before=revive_tombstones_before,
    )
    return result


def apply_remote_events(
    *,
    connection: WixConnection,
    changes: Sequence[tuple[dict, bool]],
    source: str,
    client=None,
    revive_tombstones_before: datetime | None = None,
) -> list[ApplyResult]:
    """Store many upstream Event changes (``(data, removed)`` pairs) in one transaction, each by
    the rules of ``apply_remote_event``, and return their results in the given order.

    What a worker draining its backlog uses: the rows are locked together in id order (so two
    batches never deadlock), the changes of one event are judged one after the other in
    revision order, and the rows, resource links and audit records are written in bulk — a
    constant number of queries per batch instead of per change. A change that is not the
    spec's shape raises ``EventChangeRefused`` before anything is written.
    """
    mapped = []
    for index, (data, removed) in enumerate(changes):
        try:
            mapped.append((mapping.event_from_wire(data), data, removed))
        except mapping.MappingError as error:
            raise EventChangeRefused(index, error) from error
    # Revision order per event (a removal after an update of the same revision).
    order = sorted(range(len(mapped)), key=lambda n: (mapped[n][0]["revision"], mapped[n][2]))
    results: list[ApplyResult] = [None] * len(mapped)  # type: ignore[list-item]
    with transaction.atomic():
        batch = _EventBatch(
            connection,
            source,
            client,
            [fields["id"] for fields, *_ in mapped],
            revive_before=revive_tombstones_before,
        )
        for n in order:
            results[n] = batch.apply(*mapped[n])
        batch.write()
    return results


class _EventBatch:
    """Event changes judged against the locked rows in memory, then written in bulk."""

    def __init__(
        self,
        connection: WixConnection,
        source: str,
        client,
        event_ids: list[str],
        *,
        revive_before: datetime | None = None,
    ):
        self.connection, self.source, self.client = connection, source, client
        self.revive_before = revive_before
        self.rows = _locked_rows(Event, event_ids)
        self.created: dict[str, Event] = {}
        self.updated: dict[str, Event] = {}
        self.updated_fields: set[str] = set()
        self.resources: dict[str, list[dict]] = {}
        self.records = []
        self.schedules: dict[str | None, str | None] = {}

    def _unmirrored(self, fields: dict):
        def reason(stored) -> str:
            app_id = fields.get("app_id", stored.app_id if stored else "")
            return "" if self.connection.mirrors_app(app_id) else f"app {app_id} not mirrored"

        return reason

    def apply(self, fields: dict, data: dict, removed: bool) -> ApplyResult:
        fields = dict(fields)
        event_id, revision = fields.pop("id"), fields["revision"]
        resources = fields.pop("resources", None)
        stored = self.rows.get(event_id)
        opening = _judge(
            stored,
            connection=self.connection,
            object_type="Event",
            object_id=event_id,
            revision=revision,
            removed=removed,
            removed_field="removed_date",
            ignored=self._unmirrored(fields),
            revive_before=self.revive_before,
        )
        if isinstance(opening, ApplyResult):
            return opening
        outcome, before = opening.outcome, opening.before
        if outcome == REMOVED and stored is not None and revision == stored.revision:
            fields = {"revision": revision}  # the same revision: a tombstone, content unchanged
            resources = None
        fields["removed_date"] = timezone.now() if removed else None
        if stored is None:
            _complete_new_event(fields)
        if "schedule_id" in fields and (
            stored is None or fields["schedule_id"] != stored.schedule_id
        ):
            schedule_id = self._schedule(
                fields["schedule_id"],
                name=data.get("scheduleName") or "",
                time_zone=fields.get("time_zone") or stored.time_zone,
            )
            if schedule_id is None:
                return _foreign("Event", event_id)
            fields["schedule_id"] = schedule_id
        if stored is None:
            stored = Event(id=event_id, business_id=self.connection.business_id, **fields)
            self.rows[event_id] = self.created[event_id] = stored
        else:
            for attribute, value in fields.items():
                setattr(stored, attribute, value)
            if event_id not in self.created:
                self.updated[event_id] = stored
                self.updated_fields |= fields.keys()
        if resources is not None:
            self.resources[event_id] = resources
        self.records.append(
            _audit_record(self.connection, stored, ACTIONS[outcome], before, self.source)
        )
        return ApplyResult("Event", event_id, outcome, before, revision)

    def _schedule(self, schedule_id: str | None, *, name: str, time_zone: str) -> str | None:
        if schedule_id not in self.schedules:
            self.schedules[schedule_id] = _ensure_schedule(
                self.connection, schedule_id, name=name, time_zone=time_zone, client=self.client
            )
        return self.schedules[schedule_id]

    def write(self) -> None:
        """The rows (one INSERT for the new, one UPDATE for the changed), their resources and
        the audit records."""
        if self.created:
            _insert_rows(Event, list(self.created.values()))
        if self.updated:  # each row was read whole and locked: the union of fields is safe
            _update_rows(Event, list(self.updated.values()), sorted(self.updated_fields))
        if self.resources:
            _link_resources(self.connection, self.resources, new=set(self.created))
        if self.records:
            _insert_rows(ChangeRecord, self.records)


def _columns(fields, rows: list, *, add: bool) -> tuple[str, list]:
    """``unnest(%s::type[], …)`` over the rows' values of ``fields``, one array per column:
    a handful of parameters instead of one per value (a query with thousands of placeholders
    costs more to bind than to run). Values are prepared by each field, as the ORM does."""
    arrays = [
        [field.get_db_prep_save(field.pre_save(row, add=add), db_connection) for row in rows]
        for field in fields
    ]
    casts = ", ".join(f"%s::{field.db_type(db_connection)}[]" for field in fields)
    return f"unnest({casts})", arrays


def _insert_rows(model, rows: list) -> None:
    """Insert these new rows in one ``INSERT … SELECT FROM unnest(…)`` (PostgreSQL; elsewhere
    ``bulk_create``). Nothing is read back: the rows' own ids are set, or not needed."""
    if db_connection.vendor != "postgresql":
        model.objects.bulk_create(rows)
        return
    meta, quote = model._meta, db_connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.db_returning]
    source, arrays = _columns(fields, rows, add=True)
    columns = ", ".join(quote(field.column) for field in fields)
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT * FROM {source}", arrays
        )


def _update_rows(model, rows: list, attributes: list[str]) -> None:
    """Write these attributes of these rows in one ``UPDATE … FROM unnest(…)`` (PostgreSQL;
    elsewhere one ORM update per row).

    Django's ``bulk_update`` builds a ``CASE WHEN pk = … THEN …`` per column, which PostgreSQL
    evaluates row by row against every case: a batch of 200 changes cost more than 200 single
    updates.
    """
    if db_connection.vendor != "postgresql":
        for row in rows:
            values = {attribute: getattr(row, attribute) for attribute in attributes}
            model.objects.filter(pk=row.pk).update(**values)
        return
    meta, quote = model._meta, db_connection.ops.quote_name
    fields = [meta.pk, *(meta.get_field(attribute) for attribute in attributes)]
    source, arrays = _columns(fields, rows, add=False)
    table, columns = quote(meta.db_table), [quote(field.column) for field in fields]
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET "
            + ", ".join(f"{column} = v.{column}" for column in columns[1:])
            + f" FROM {source} AS v({', '.join(columns)})"
            + f" WHERE {table}.{columns[0]} = v.{columns[0]}",
            arrays,
        )


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
        opening = _open(
            Participation,
            object_id=participation_id,
            connection=connection,
            revision=revision,
            removed=removed,
            removed_field="cancelled_date",
        )
        if isinstance(opening, ApplyResult):
            return opening
        stored, outcome, before = opening.stored, opening.outcome, opening.before
        if stored is None:
            reason = _attach_owner(connection, fields, client)
            if reason:
                return ApplyResult("Participation", participation_id, IGNORED, reason=reason)
        else:
            fields.pop("event_id", None)
            fields.pop("schedule_id", None)
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
        _audit(connection, stored, ACTIONS[outcome], before, source)
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
