"""Upstream Events into the local store, one change or a batch of them.

A batch (``apply_remote_events``, what a worker draining its backlog uses) locks its rows
together in id order (so two batches never deadlock), judges the changes of one event one
after the other in revision order, and writes the rows, resource links and audit records in
bulk: a constant number of queries per batch instead of per change.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from calendar_app.models import ChangeRecord, Event, format_local_date
from calendar_app.recurrence import to_local
from calendar_app.signals import upstream_capacity_raised
from calendar_app.wix import contract, mapping
from calendar_app.wix.apply.bulk import insert_rows, update_rows
from calendar_app.wix.apply.resources import link_resources
from calendar_app.wix.apply.rules import (
    ACTIONS,
    ApplyResult,
    audit_record,
    foreign,
    judge,
    locked_rows,
)
from calendar_app.wix.apply.schedules import ensure_schedule
from calendar_app.wix.models import WixConnection

WRITE_THROUGH = "write_through"  # the source of the answers to our own writes (the backend's)


class EventChangeRefused(mapping.MappingError):
    """One change of a batch is not the spec's Event shape (``index`` says which); nothing of
    the batch was written."""

    def __init__(self, index: int, error: mapping.MappingError):
        super().__init__(str(error))
        self.index = index


def apply_remote_event(
    *,
    connection: WixConnection,
    data: dict | contract.Event,
    removed: bool = False,
    source: str,
    client=None,
    revive_tombstones_before: datetime | None = None,
) -> ApplyResult:
    """Store an upstream Event by the revision rule.

    ``data`` is the spec's Event, as JSON (a Query Events page, a write-through answer) or
    parsed already (a webhook's domain event: a parsed one is not parsed again); ``removed``
    marks an ``eventRemoved``. A cancellation is an update with status CANCELLED. Events of
    apps the connection does not mirror are ignored. An unknown schedule or resource is fetched
    through ``client`` when given, else stubbed.
    ``revive_tombstones_before`` is for a listing that is authoritative over its window
    (reconciliation): a row soft-deleted here before that instant, which the upstream lists at
    the very same revision, is revived (a tombstone written later, e.g. by a webhook while the
    listing was read, is newer news and kept).
    A payload that is not the spec's Event raises ``mapping.MappingError`` and writes nothing.
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
    changes: Sequence[tuple[dict | contract.Event, bool]],
    source: str,
    client=None,
    revive_tombstones_before: datetime | None = None,
) -> list[ApplyResult]:
    """Store many upstream Event changes (``(data, removed)`` pairs) in one transaction, each by
    the rules of ``apply_remote_event``, and return their results in the given order.

    A change that is not the spec's shape raises ``EventChangeRefused`` (naming the field)
    before anything is written.
    """
    parsed: list[tuple[contract.Event, bool]] = []
    for index, (data, removed) in enumerate(changes):
        try:
            parsed.append((mapping.parse(contract.Event, data, "event"), removed))
        except mapping.MappingError as error:
            raise EventChangeRefused(index, error) from error
    # Revision order per event (a removal after an update of the same revision).
    order = sorted(range(len(parsed)), key=lambda n: (parsed[n][0].revision, parsed[n][1]))
    results: list[ApplyResult] = [None] * len(parsed)  # type: ignore[list-item]
    with transaction.atomic():
        batch = _EventBatch(
            connection,
            source,
            client,
            [event.id for event, _ in parsed],
            revive_before=revive_tombstones_before,
        )
        for n in order:
            results[n] = batch.apply(*parsed[n])
        batch.write()
        # Places freed upstream go to those waiting, in this transaction; the answer to our own
        # write (write-through) is not news: the local edit that sent it promotes by itself.
        if batch.capacity_raised and source != WRITE_THROUGH:
            upstream_capacity_raised.send(
                sender=Event,
                business=connection.business,
                event_ids=sorted(batch.capacity_raised),
            )
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
        self.rows = locked_rows(Event, event_ids)
        self.created: dict[str, Event] = {}
        self.updated: dict[str, Event] = {}
        self.updated_fields: set[str] = set()
        self.resources: dict[str, list[dict]] = {}
        self.records: list[ChangeRecord] = []
        self.schedules: dict[str | None, str | None] = {}
        self.capacity_raised: set[str] = set()

    def _unmirrored(self, fields: dict):
        def reason(stored) -> str:
            app_id = fields.get("app_id", stored.app_id if stored else "")
            return "" if self.connection.mirrors_app(app_id) else f"app {app_id} not mirrored"

        return reason

    def apply(self, event: contract.Event, removed: bool) -> ApplyResult:
        fields = mapping.event_fields(event)
        event_id = fields.pop("id")
        resources = fields.pop("resources", None)
        stored = self.rows.get(event_id)
        opening = judge(
            stored,
            connection=self.connection,
            object_type="Event",
            object_id=event_id,
            revision=event.revision,
            removed=removed,
            removed_field="removed_date",
            ignored=self._unmirrored(fields),
            revive_before=self.revive_before,
        )
        if isinstance(opening, ApplyResult):
            return opening
        if opening.tombstone_only:
            fields, resources = {"revision": event.revision}, None
        fields["removed_date"] = timezone.now() if removed else None
        if stored is None:
            _complete_new_event(fields)
        if "schedule_id" in fields and (
            stored is None or fields["schedule_id"] != stored.schedule_id
        ):
            schedule_id = self._schedule(
                fields["schedule_id"],
                name=event.schedule_name or "",
                time_zone=fields.get("time_zone") or stored.time_zone,
            )
            if schedule_id is None:
                return foreign("Event", event_id)
            fields["schedule_id"] = schedule_id
        if stored is None:
            stored = Event(id=event_id, business_id=self.connection.business_id, **fields)
            self.rows[event_id] = self.created[event_id] = stored
        else:
            if _raises_capacity(stored, fields):
                self.capacity_raised.add(event_id)
            for attribute, value in fields.items():
                setattr(stored, attribute, value)
            if event_id not in self.created:
                self.updated[event_id] = stored
                self.updated_fields |= fields.keys()
        if resources is not None:
            self.resources[event_id] = resources
        self.records.append(
            audit_record(
                self.connection, stored, ACTIONS[opening.outcome], opening.before, self.source
            )
        )
        return opening.result("Event", event_id)

    def _schedule(self, schedule_id: str | None, *, name: str, time_zone: str) -> str | None:
        if schedule_id not in self.schedules:
            self.schedules[schedule_id] = ensure_schedule(
                self.connection, schedule_id, name=name, time_zone=time_zone, client=self.client
            )
        return self.schedules[schedule_id]

    def write(self) -> None:
        """The rows (one INSERT for the new, one UPDATE for the changed), their resources and
        the audit records."""
        if self.created:
            insert_rows(Event, list(self.created.values()))
        if self.updated:  # each row was read whole and locked: the union of fields is safe
            update_rows(Event, list(self.updated.values()), sorted(self.updated_fields))
        if self.resources:
            link_resources(self.connection, self.resources, new=set(self.created))
        if self.records:
            insert_rows(ChangeRecord, self.records)


def _raises_capacity(stored: Event, fields: dict) -> bool:
    """Whether applying ``fields`` raises the stored event's total capacity (None: unlimited)."""
    if "total_capacity" not in fields or stored.total_capacity is None:
        return False
    raised_to = fields["total_capacity"]
    return raised_to is None or raised_to > stored.total_capacity


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
