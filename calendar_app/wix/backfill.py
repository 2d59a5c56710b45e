"""The initial sync of a connected business (spec §6.3), through the one apply path.

Get Events View → the schedules and resources → the MASTER events (absent from the view) →
Query Events page by page from ``history_days`` back up to the view's end date → the
participations of each page's events. Each listing is read by default and once more for
``WORKING_HOURS``, which Query Events leaves out unless named (the same listings as the
reconciliation, so the two agree on what is mirrored). Progress is stored on the connection
as days of the window covered (``backfill_done`` of ``backfill_total``), so a page can show a
bar while it runs.
The dashboard never runs it inside a request: ``services.start_backfill`` marks it queued
(``request_backfill``, one at a time per connection) and queues ``tasks.backfill_connection``,
and the sync health page polls the progress; ``manage.py connect_wix`` runs ``run_backfill``
in its own process, printing it. Running it again is safe: the revision rule makes every
apply idempotent.
"""

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from calendar_app.models import Event, format_local_date
from calendar_app.recurrence import to_local
from calendar_app.signals import events_changed
from calendar_app.wix import mapping
from calendar_app.wix.apply import (
    apply_remote_events,
    apply_remote_participation,
    apply_remote_resource,
    apply_remote_schedule,
)
from calendar_app.wix.client import WixClient, WixError
from calendar_app.wix.models import WixConnection

logger = logging.getLogger(__name__)

SOURCE = "backfill"
PAGE_SIZE = 100
ACTIVE = (WixConnection.BackfillStatus.QUEUED, WixConnection.BackfillStatus.RUNNING)


class BackfillError(Exception):
    """The backfill stopped; the message (stored on the connection) says why."""


@dataclass
class BackfillResult:
    schedules: int = 0
    resources: int = 0
    masters: int = 0
    events: int = 0
    participations: int = 0
    applied: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, result) -> None:
        self.outcomes[result.outcome] = self.outcomes.get(result.outcome, 0) + 1
        self.applied += result.applied

    def summary(self) -> str:
        return (
            f"{self.events} events, {self.masters} series, {self.schedules} schedules, "
            f"{self.resources} resources, {self.participations} participations read; "
            f"{self.applied} changes applied"
        )


def listing_filters(connection: WixConnection) -> list[dict | None]:
    """The Query Events filters that together list every event type of the mirrored apps: the
    default (everything but ``WORKING_HOURS``), then ``WORKING_HOURS`` by name (spec §4)."""
    apps = {"appId": {"$in": list(connection.app_ids)}} if connection.app_ids else {}
    return [apps or None, {**apps, "type": Event.Type.WORKING_HOURS}]


def _save_progress(connection: WixConnection, **values) -> None:
    """Store progress without touching the connection's other fields (a form may be saving)."""
    prefixed = {f"backfill_{name}": value for name, value in values.items()}
    WixConnection.objects.filter(pk=connection.pk).update(**prefixed, updated_date=timezone.now())
    for name, value in prefixed.items():
        setattr(connection, name, value)


def request_backfill(*, connection: WixConnection) -> bool:
    """Mark the backfill queued unless one is queued or running already; True when it was (the
    caller queues the task on commit). The progress starts from zero."""
    queued = (
        WixConnection.objects.filter(pk=connection.pk)
        .exclude(backfill_status__in=ACTIVE)
        .update(
            backfill_status=WixConnection.BackfillStatus.QUEUED,
            backfill_done=0,
            backfill_total=0,
            backfill_error="",
            updated_date=timezone.now(),
        )
    )
    connection.refresh_from_db(
        fields=["backfill_status", "backfill_done", "backfill_total", "backfill_error"]
    )
    return bool(queued)


def run_queued_backfill(*, connection_pk: int) -> str:
    """The task's work: run the connection's queued backfill — or the one a dead worker left
    running (its task is delivered again: every apply is idempotent). A finished or failed one
    is not run again; what stops it is stored on the connection, for the health page."""
    connection = (
        WixConnection.objects.select_related("business")
        .filter(pk=connection_pk, backfill_status__in=ACTIVE)
        .first()
    )
    if connection is None:
        return "No backfill is queued for this connection."
    try:
        return f"Backfill done: {run_backfill(connection=connection).summary()}."
    except BackfillError as error:
        return str(error)


def mark_failed(*, connection_pk: int, error: str) -> None:
    """An unexpected error ended the task: the bar stops and says why."""
    WixConnection.objects.filter(pk=connection_pk, backfill_status__in=ACTIVE).update(
        backfill_status=WixConnection.BackfillStatus.FAILED,
        backfill_error=f"The backfill stopped: {error}"[:2000],
        updated_date=timezone.now(),
    )


def run_backfill(
    *,
    connection: WixConnection,
    client: WixClient | None = None,
    progress: Callable[[str], None] | None = None,
) -> BackfillResult:
    """Mirror the connection's site into the local store; raises ``BackfillError`` (and marks
    the connection ``failed``) when the upstream or a payload stops it."""
    report = progress or (lambda message: None)
    own_client = client is None
    client = client or WixClient.for_connection(connection)
    result = BackfillResult()
    _save_progress(
        connection, status=WixConnection.BackfillStatus.RUNNING, done=0, total=0, error=""
    )
    try:
        _run(connection, client, result, report)
    except (WixError, mapping.MappingError, BackfillError) as error:
        message = f"The backfill stopped: {error}"
        _save_progress(connection, status=WixConnection.BackfillStatus.FAILED, error=message)
        logger.warning("Backfill of connection %s failed: %s", connection.pk, error)
        raise BackfillError(message) from error
    finally:
        if own_client:
            client.close()
    _save_progress(
        connection, status=WixConnection.BackfillStatus.DONE, done=connection.backfill_total
    )
    report(f"Backfill done: {result.summary()}.")
    return result


def _run(connection, client, result: BackfillResult, report) -> None:
    zone = connection.business.time_zone
    view_end = mapping.parse_instant(client.get_events_view().get("endDate"))
    window_start = timezone.now() - timedelta(days=connection.history_days)
    if view_end is None or view_end <= window_start:
        raise BackfillError("The calendar service sent no events view end date.")
    total_days = math.ceil((view_end - window_start) / timedelta(days=1))
    _save_progress(connection, total=total_days)
    from_local = format_local_date(to_local(window_start, zone))
    to_local_date = format_local_date(to_local(view_end, zone))
    report(f"Events view ends {view_end:%Y-%m-%d}; reading {from_local} to {to_local_date}.")

    for page in client.query_schedules(limit=PAGE_SIZE):
        for data in page:
            result.count(apply_remote_schedule(connection=connection, data=data, source=SOURCE))
            result.schedules += 1
    for page in client.query_resources(limit=PAGE_SIZE):
        for data in page:
            result.count(apply_remote_resource(connection=connection, data=data, source=SOURCE))
            result.resources += 1
    report(f"{result.schedules} schedules, {result.resources} resources.")

    default, working_hours = listing_filters(connection)
    for app_filter in (default, working_hours):
        for page in client.query_events(
            from_local_date=None,
            to_local_date=to_local_date,
            time_zone=zone,
            recurrence_types=["MASTER"],
            filter=app_filter,
            limit=PAGE_SIZE,
        ):
            for applied in _apply_page(connection, page, client):
                result.count(applied)
                result.masters += 1

    for page in client.query_events(
        from_local_date=from_local,
        to_local_date=to_local_date,
        time_zone=zone,
        filter=working_hours,
        limit=PAGE_SIZE,
    ):  # working hours take no participants
        for applied in _apply_page(connection, page, client):
            result.count(applied)
            result.events += 1
    report(f"{result.masters} series, {result.events} working hours.")

    covered = window_start
    for page in client.query_events(
        from_local_date=from_local,
        to_local_date=to_local_date,
        time_zone=zone,
        filter=default,
        limit=PAGE_SIZE,
    ):
        page_results = _apply_page(connection, page, client)
        for data, applied in zip(page, page_results, strict=True):
            result.count(applied)
            result.events += 1
            start = mapping.event_from_wire(data).get("start")
            if start is not None and start > covered:
                covered = start
        changed = _apply_participations(connection, client, [data["id"] for data in page], result)
        changed |= {applied.object_id for applied in page_results if applied.applied}
        events_changed.send(sender=Event, business=connection.business, event_ids=sorted(changed))
        done = min(total_days, max(0, math.floor((covered - window_start) / timedelta(days=1))))
        _save_progress(connection, done=done)
        report(f"{result.events} events, {done}/{total_days} days of the window covered.")


def _apply_page(connection, page: list[dict], client) -> list:
    """A page of events applied together: one transaction, a constant number of queries."""
    changes = [(data, False) for data in page]
    return apply_remote_events(connection=connection, changes=changes, source=SOURCE, client=client)


def _apply_participations(connection, client, event_ids: list[str], result) -> set[str]:
    """Apply the participations of ``event_ids``; returns the events whose participants changed."""
    changed: set[str] = set()
    if not event_ids:
        return changed
    for page in client.query_participations(
        filter={"eventId": {"$in": event_ids}}, limit=PAGE_SIZE
    ):
        for data in page:
            applied = apply_remote_participation(
                connection=connection, data=data, source=SOURCE, client=client
            )
            result.count(applied)
            result.participations += 1
            if applied.applied and data.get("eventId"):
                changed.add(str(data["eventId"]))
    return changed
