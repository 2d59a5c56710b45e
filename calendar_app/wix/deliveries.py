"""Applying one stored webhook delivery, dispatched on ``(entityFqdn, slug)`` (spec §5.4).

Everything is written through ``calendar_app.wix.apply`` (the revision and tombstone rules live
there, so applying in any order ends in revision order). The delivery row is locked
(``SELECT … FOR UPDATE``) inside the transaction that applies it, so a delivery that two
workers got (a redelivery after a lost worker) is applied once; ``apply`` locks per object, so
two deliveries for one event never interleave. Upstream reads (the participations of an event,
the range a view extension covers) happen before the transaction, never inside a request.

Event deliveries (projection updates, event created/updated/cancelled: the payload is the whole
change) are applied in batches: the intake queues one drain per connection (``drain``, the task
``tasks.drain_deliveries``), which claims up to ``BATCH_SIZE`` stored event deliveries at a time
with ``SKIP LOCKED`` (never waiting, never taken twice) and applies each batch in one
transaction through ``apply.apply_remote_events``. A single event delivery's task (the stalled
sweep, the retry button) locks its own row first and takes a batch with it; the tasks of the
deliveries a batch took find them applied and return. Every payload is read as its kind's
domain event (``contract.DOMAIN_EVENTS``) before anything is applied: one that is not the
spec's shape fails alone, with a reason naming the field.
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from calendar_app.models import Event, format_local_date
from calendar_app.recurrence import to_local
from calendar_app.signals import events_changed, upstream_events_applied
from calendar_app.sync.deliveries import (
    DEADLOCK_RETRIES,
    DeliveryFailed,
    DeliveryStore,
    first_without_deadlock,
)
from calendar_app.tenancy.models import Business
from calendar_app.wix import apply, contract, mapping
from calendar_app.wix.client import WixClient
from calendar_app.wix.models import WebhookDelivery, WixConnection
from participants.models import Participation

SOURCE = "webhook"

EVENTS_VIEW, EVENT = contract.EVENTS_VIEW, contract.EVENT
SCHEDULE, PARTICIPATION = contract.SCHEDULE, contract.PARTICIPATION
PROJECTION_UPDATED = (EVENTS_VIEW, "projection_updated")
VIEW_EXTENDED = (EVENTS_VIEW, "extended")
# (kind of change, the object as its contract model, removed)
Changes = list[tuple[str, Any, bool]]

STORE = DeliveryStore(
    model=WebhookDelivery,
    kind_columns=("entity_fqdn", "slug"),
    describe=lambda row: f"{row['entity_fqdn']} {row['slug']}",
)


def client_for(connection: WixConnection) -> WixClient:
    """The connection's client, kept per worker process (an httpx client is made once, not per
    delivery). Two attempts inside a call: the task's own retries back off further."""
    return _client(connection.base_url, connection.api_key, connection.site_id)


@lru_cache(maxsize=64)
def _client(base_url: str, api_key: str, site_id: str) -> WixClient:
    return WixClient(base_url=base_url, api_key=api_key, site_id=site_id, max_attempts=2)


def local_date(instant, business: Business) -> str:
    """An instant as the business's wall-clock ``localDate`` (what Query Events reads)."""
    return format_local_date(to_local(instant, business.time_zone))


def flatten(pages: Iterable[list[dict]]) -> list[dict]:
    return list(chain.from_iterable(pages))


def apply_delivery(*, delivery_pk: int) -> str:
    """Apply one stored delivery (idempotent) and return its status afterwards; an event
    delivery takes a batch of the connection's stored event deliveries with it.

    Raises ``WixError`` when the upstream could not be read (the task retries those) and
    ``DeliveryFailed`` for a payload that will never apply; neither leaves anything applied.
    """
    # The tasks of deliveries that a batch took end here: one small read, no payload.
    status, fqdn, slug, connection_id = (
        WebhookDelivery.objects.filter(pk=delivery_pk)
        .values_list("status", "entity_fqdn", "slug", "connection_id")
        .get()
    )
    if status != WebhookDelivery.Status.RECEIVED:
        return status
    if (fqdn, slug) in BATCHED:
        connection = WixConnection.objects.select_related("business").get(pk=connection_id)
        return apply_batch(connection=connection, delivery_pk=delivery_pk)
    return STORE.apply_one(delivery_pk=delivery_pk, read=_read, write=_write)


def _parse(kind: tuple[str, str], payload: Any) -> contract.DomainEvent:
    """A stored payload read as its kind's domain event (§5.3, §5.4); ``DeliveryFailed``
    naming the field when it is not that shape (``The delivery has no actionEvent.body…``)."""
    if kind not in HANDLERS:
        raise DeliveryFailed(f"No handler for {kind[0]} {kind[1]}.")
    try:
        return mapping.parse(contract.DOMAIN_EVENTS[kind], payload, "delivery")
    except mapping.MappingError as error:
        raise DeliveryFailed(str(error)) from error


def _read(delivery: WebhookDelivery) -> Changes:
    """What a delivery changes, read from the upstream when its payload is not the whole truth."""
    kind = (delivery.entity_fqdn, delivery.slug)
    parsed = _parse(kind, delivery.payload)
    try:
        return HANDLERS[kind](delivery.connection, parsed, client_for(delivery.connection))
    except mapping.MappingError as error:  # what the upstream answered
        raise DeliveryFailed(f"The upstream's answer is not the spec's shape: {error}") from error


def _write(delivery: WebhookDelivery, changes: Changes) -> str:
    """Apply the changes, parsed already (inside the transaction holding the delivery's row
    lock)."""
    connection = delivery.connection
    for kind, data, removed in changes:
        APPLIERS[kind](
            connection=connection,
            data=data,
            removed=removed,
            source=SOURCE,
            client=client_for(connection),
        )
    if delivery.entity_fqdn == PARTICIPATION:  # the meeting's attendees follow
        events_changed.send(
            sender=Event,
            business=connection.business,
            event_ids=sorted({data.event_id for _, data, _ in changes if data.event_id}),
        )
    return WebhookDelivery.Status.APPLIED


BATCH_SIZE = 200


def apply_batch(*, connection: WixConnection, delivery_pk: int) -> str:
    """Apply the event delivery ``delivery_pk`` together with up to ``BATCH_SIZE - 1`` other
    stored event deliveries of the connection, in one transaction; return its status.

    Deliveries whose payload is not the spec's shape are marked failed with their reason and
    left out (the rest still applies); for the task's own delivery that is ``DeliveryFailed``.
    Batches lock their rows in id order, but a row created meanwhile by a third can still make
    two of them wait on each other; PostgreSQL then cancels one, which applies its own delivery
    alone (one row lock at a time cannot deadlock) and leaves the rest to a drain or their own
    tasks.
    """
    taken = first_without_deadlock(
        lambda: _take_batch(connection, own_pk=delivery_pk, size=BATCH_SIZE),
        lambda: _take_batch(connection, own_pk=delivery_pk, size=1),
    )
    if taken.own_failure:
        raise DeliveryFailed(taken.own_failure)
    return taken.own_status


def drain(*, connection_id: int, settle_until: float = 0.0) -> int:
    """Apply the connection's stored event deliveries, a batch at a time, until a batch finds
    fewer than ``BATCH_SIZE`` (and one more batch is taken once ``time.monotonic()`` reached
    ``settle_until``, for what the intake stored without asking Redis: see
    ``tasks.SEEN_QUEUED_SECONDS``); returns how many deliveries it took (the task
    ``tasks.drain_deliveries``, queued by the intake). A batch cancelled by a deadlock is simply
    taken again (nothing of it was written), at most ``DEADLOCK_RETRIES`` times.
    """
    connection = WixConnection.objects.select_related("business").filter(pk=connection_id).first()
    if connection is None:
        return 0
    take = [lambda: _take_batch(connection, own_pk=None, size=BATCH_SIZE)] * (DEADLOCK_RETRIES + 1)
    taken_in_all = 0
    while True:
        taken = first_without_deadlock(*take)
        taken_in_all += taken.count
        if taken.count < BATCH_SIZE:
            wait = settle_until - time.monotonic()
            if wait <= 0:
                return taken_in_all
            time.sleep(wait)


@dataclass(frozen=True)
class Taken:
    """What one batch did: how many deliveries it took, and for the delivery a task was for,
    its status afterwards or why it failed."""

    count: int
    own_status: str = ""
    own_failure: str = ""


def _take_batch(connection: WixConnection, *, own_pk: int | None, size: int) -> Taken:
    """One transaction: ``own_pk`` locked (waiting for a worker that holds it) when given, up to
    ``size`` stored event deliveries in all claimed with ``SKIP LOCKED``, their changes applied
    by ``apply.apply_remote_events``, each marked applied or failed with its reason (a payload
    that is not its domain event's shape fails before anything is applied)."""
    failures: dict[int, str] = {}
    columns = ("pk", "entity_fqdn", "slug", "payload")
    with transaction.atomic():
        own = [] if own_pk is None else STORE.lock_waiting(own_pk, columns=columns)
        if own_pk is not None and not own:  # applied (or failed) by another worker meanwhile
            return Taken(0, own_status=STORE.status_of(own_pk))
        others = STORE.claim(
            _claimable(connection).exclude(pk=own_pk), size=size - len(own), columns=columns
        )
        claimed = [*own, *others]
        changes: dict[int, Changes] = {}
        projections: list[contract.ProjectionUpdated] = []  # what the meetings follow
        for pk, fqdn, slug, payload in claimed:
            try:
                parsed = _parse((fqdn, slug), payload)
                changes[pk] = HANDLERS[fqdn, slug](connection, parsed, None)
            except DeliveryFailed as error:
                failures[pk] = str(error)
                continue
            if (fqdn, slug) == PROJECTION_UPDATED:
                projections.append(parsed.action_event.body)
        # Parsed events: apply reads them as they are, so no change of the batch is refused.
        apply.apply_remote_events(
            connection=connection,
            changes=[(data, removed) for items in changes.values() for _, data, removed in items],
            source=SOURCE,
            client=client_for(connection),
        )
        upstream_events_applied.send(
            sender=Event, business=connection.business, events=_origins(projections)
        )
        STORE.mark_applied(list(changes))
        for pk, error in failures.items():
            if pk != own_pk:  # the task's own failure is written by the task (on_failure)
                STORE.record_error(delivery_pk=pk, error=error, failed=True)
    own_status = "" if own_pk is None else WebhookDelivery.Status.APPLIED
    return Taken(len(claimed), own_status=own_status, own_failure=failures.get(own_pk, ""))


def _claimable(connection: WixConnection):
    """The connection's stored event deliveries that a batch may take."""
    kinds = Q()
    for fqdn, slug in BATCHED:
        kinds |= Q(entity_fqdn=fqdn, slug=slug)
    return WebhookDelivery.objects.filter(kinds, connection=connection)


def _apply_schedule(*, removed: bool, **kwargs) -> None:
    apply.apply_remote_schedule(**kwargs)  # a schedule is never removed, only cancelled


def _apply_view_end(*, connection: WixConnection, data: dict, **kwargs) -> None:
    """Remember how far the view reaches now (the next extension reads from here)."""
    Business.objects.filter(pk=connection.business_id).update(events_view_end_date=data["endDate"])


APPLIERS: dict[str, Callable] = {
    "event": apply.apply_remote_event,
    "participation": apply.apply_remote_participation,
    "schedule": _apply_schedule,
    "view_end": _apply_view_end,
}


# Handlers: the parsed domain event (and the upstream when the payload is not the whole truth)
# → the changes to apply.


def _projection_updated(connection, domain_event: contract.DomainEvent, client) -> Changes:
    """``eventAddedOrUpdated`` / ``eventRemoved``: the calendar event is ``body.*.event`` (never
    the envelope's ``entityId``); a cancellation is an update with status CANCELLED."""
    body: contract.ProjectionUpdated = _action_body(domain_event)
    if body.event_added_or_updated is not None:
        return [("event", body.event_added_or_updated.event, False)]
    if body.event_removed is not None:
        return [("event", body.event_removed.event, True)]
    raise DeliveryFailed(
        "The projection update names neither eventAddedOrUpdated nor eventRemoved."
    )


def _view_extended(connection, domain_event: contract.DomainEvent, client) -> Changes:
    """Events View Extended: read the newly covered range, from the old end to the new one."""
    new_end = _action_body(domain_event).extended_end_date
    if new_end is None:
        raise DeliveryFailed("The view extension names no extendedEndDate.")
    business = connection.business
    old_end = min(business.events_view_end_date or timezone.now(), new_end)
    events = flatten(
        client.query_events(
            from_local_date=local_date(old_end, business),
            to_local_date=local_date(new_end, business),
            time_zone=business.time_zone,
        )
    )
    changes: Changes = [
        ("event", mapping.parse(contract.Event, event, "event"), False) for event in events
    ]
    return [*changes, ("view_end", {"endDate": new_end}, False)]


def _action_body(domain_event: contract.DomainEvent):
    if domain_event.action_event is None:
        raise DeliveryFailed("The delivery has no actionEvent.body.")
    return domain_event.action_event.body


def _entity(domain_event: contract.DomainEvent):
    """The object a created / updated / deleted (or cancelled: ``actionEvent.body.event``)
    domain event carries; None for a deletion that names none."""
    if domain_event.created_event is not None:
        return domain_event.created_event.entity
    if domain_event.updated_event is not None:
        return domain_event.updated_event.current_entity
    if domain_event.deleted_event is not None:
        return domain_event.deleted_event.deleted_entity
    action = domain_event.action_event
    if action is not None and isinstance(action.body, contract.EventCancelled):
        return action.body.event
    raise DeliveryFailed(
        "The delivery has none of createdEvent, updatedEvent, deletedEvent, actionEvent.body.event."
    )


def _whole_entity(domain_event: contract.DomainEvent):
    if (entity := _entity(domain_event)) is None:
        raise DeliveryFailed("The delivery has no deletedEvent.deletedEntity.")
    return entity


def _event_entity(connection, domain_event: contract.DomainEvent, client) -> Changes:
    """Event Created / Updated / Cancelled: the Event itself (MASTERs come only this way)."""
    return [("event", _whole_entity(domain_event), False)]


def _schedule_entity(connection, domain_event: contract.DomainEvent, client) -> Changes:
    return [("schedule", _whole_entity(domain_event), False)]


def _participation_changed(connection, domain_event: contract.DomainEvent, client) -> Changes:
    """A participation changed: refresh all of its event's participations from the upstream
    (Query Participations), so missed or reordered deliveries heal too."""
    entity: contract.Participation | None = _entity(domain_event)
    event_id = (entity and entity.event_id) or _stored_event_of_participation(
        (entity and entity.id) or domain_event.entity_id or ""
    )
    if not event_id:
        if domain_event.slug == "deleted":  # of a participation never stored here
            return [] if entity is None else [("participation", entity, True)]
        raise DeliveryFailed("The participation names no event.")
    # Stored before the upstream is read: one stored later (by another delivery) is not gone.
    stored = _stored_participations(event_id)
    current = [
        mapping.parse(contract.Participation, item, "participation")
        for item in flatten(client.query_participations(filter={"eventId": event_id}))
    ]
    changes: Changes = [("participation", item, False) for item in current]
    seen = {item.id for item in current}
    gone = [
        contract.Participation(id=pid, event_id=event_id, revision=revision)
        for pid, revision in stored
        if pid not in seen
    ]
    changes += [("participation", item, True) for item in gone]
    return changes


def _stored_event_of_participation(participation_id: str) -> str:
    return (
        Participation.objects.filter(pk=participation_id).values_list("event_id", flat=True).first()
        or ""
    )


def _stored_participations(event_id: str) -> list[tuple[str, int]]:
    return list(
        Participation.objects.filter(event_id=event_id, cancelled_date__isnull=True).values_list(
            "pk", "revision"
        )
    )


# The (entityFqdn, slug) pairs this app mirrors; the intake drops every other kind.
HANDLERS: dict[tuple[str, str], Callable[[WixConnection, contract.DomainEvent, Any], Changes]] = {
    PROJECTION_UPDATED: _projection_updated,
    VIEW_EXTENDED: _view_extended,
    **{(EVENT, slug): _event_entity for slug in ("created", "updated", "cancelled")},
    **{(SCHEDULE, slug): _schedule_entity for slug in ("created", "updated", "cancelled")},
    **{(PARTICIPATION, slug): _participation_changed for slug in ("created", "updated", "deleted")},
}

# The kinds whose payload is the whole event change (no upstream read): applied in batches.
BATCHED = frozenset(
    kind for kind, handler in HANDLERS.items() if handler in (_projection_updated, _event_entity)
)


def _origins(
    bodies: list[contract.ProjectionUpdated],
) -> list[tuple[str, str | None, str | None]]:
    """(event id, appId, externalScheduleId) of each projection body's event, for those who
    follow the events of some services (the conferencing automation)."""
    origins = []
    for body in bodies:
        event = (body.event_added_or_updated or body.event_removed).event
        origins.append((event.id, body.app_id, event.external_schedule_id))
    return origins
