"""Reconciliation of a Wix connection: re-read the upstream's events view and repair drift.

A run (a ``Reconciliation`` row, queued by the beat task or by "Resync now") is authoritative
over its window: it reads the MASTERs up to the view's end and the occurrences from
``history_days`` back to the view's end (Get Events View → Query Events, paged), each listing
once by default and once for ``WORKING_HOURS`` (which Query Events leaves out unless asked), so
every event type is covered. Each page goes through ``apply.apply_remote_events``:
missing rows are created, stale ones updated, soft-deleted ones revived — with a newer
revision, or at the same revision as the local tombstone when that tombstone is older than the
run (the upstream still lists the row; a tombstone a webhook writes during the run is newer
news and kept). Local rows of the window that the upstream no longer lists — MASTERs included —
are soft-deleted at their stored revision. Those candidates are taken BEFORE the upstream is
read, so a row that a webhook creates or updates during the run is never mistaken for one that
is gone. The events each page (and the soft-deletion) changed get their meetings made, kept in
step or deleted, as through a webhook. The number of rows repaired is stored on the run, and
its progress while it reads.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from calendar_app.models import Event
from calendar_app.signals import events_changed
from calendar_app.wix import apply, backfill, deliveries, mapping
from calendar_app.wix.health.models import Reconciliation
from calendar_app.wix.models import WixConnection

SOURCE = "reconcile"
ACTIVE = (Reconciliation.Status.QUEUED, Reconciliation.Status.RUNNING)


def request_reconciliation(
    *, connection: WixConnection, requested_by_user: bool
) -> Reconciliation | None:
    """A queued run of the connection, unless one is already queued or running (None then); the
    caller queues its task on commit (``services.resync``, the beat's ``reconcile_connections``).
    """
    with transaction.atomic():
        WixConnection.objects.select_for_update().filter(pk=connection.pk).first()
        if Reconciliation.objects.filter(connection=connection, status__in=ACTIVE).exists():
            return None
        return Reconciliation.objects.create(
            connection=connection, requested_by_user=requested_by_user
        )


def run_reconciliation(*, reconciliation_pk: int) -> int:
    """Read the window, repair what differs, and return how many rows were repaired."""
    run = Reconciliation.objects.select_related("connection__business").get(pk=reconciliation_pk)
    if run.status not in ACTIVE:
        return run.repaired
    connection, business = run.connection, run.connection.business
    client = deliveries.client_for(connection)
    window_start = timezone.now() - timedelta(days=connection.history_days)
    window_end = (
        mapping.parse_instant(client.get_events_view().get("endDate"))
        or business.events_view_end_date
    )
    if window_end is None:
        raise ValueError("The calendar service did not say where its events view ends.")
    # Taken before the upstream is read: what a webhook stores meanwhile is not "gone".
    candidates = _local_events(connection, window_start, window_end)
    run.status = Reconciliation.Status.RUNNING
    run.started_date = timezone.now()
    run.window_start, run.window_end = window_start, window_end
    run.events_read = run.repaired = 0
    run.save()

    to_local_date = deliveries.local_date(window_end, business)
    seen: set[str] = set()
    for recurrence_types, from_local_date, filter, shows_progress in _listings(
        connection, window_start
    ):
        pages = client.query_events(
            from_local_date=from_local_date,
            to_local_date=to_local_date,
            time_zone=business.time_zone,
            recurrence_types=recurrence_types,
            filter=filter,
        )
        for page in pages:
            applied = apply.apply_remote_events(
                connection=connection,
                changes=[(data, False) for data in page],
                source=SOURCE,
                client=client,
                revive_tombstones_before=run.started_date,
            )
            seen.update(result.object_id for result in applied)
            run.repaired += sum(result.applied for result in applied)
            run.events_read += len(page)
            events_changed.send(
                sender=Event,
                business=connection.business,
                event_ids=[r.object_id for r in applied if r.applied],
            )
            if page and shows_progress:
                run.reached_date = _start_of(page[-1]) or run.reached_date
            run.save(update_fields=["events_read", "repaired", "reached_date"])

    removed = []
    for event_id, revision in candidates.items():
        if event_id not in seen:
            result = apply.apply_remote_event(
                connection=connection,
                data={"id": event_id, "revision": str(revision)},
                removed=True,
                source=SOURCE,
            )
            removed.append(result)
            run.repaired += result.applied
    events_changed.send(
        sender=Event,
        business=connection.business,
        event_ids=[r.object_id for r in removed if r.applied],
    )
    run.status = Reconciliation.Status.DONE
    run.finished_date = timezone.now()
    run.save()
    return run.repaired


def _listings(connection: WixConnection, window_start) -> list[tuple]:
    """(recurrence types, from local date, filter, shows progress) of each listing, in reading
    order: the series first (up to the view's end, whenever they began, as the backfill reads
    them), then the working hours of the window, and the window's other occurrences last
    (their pages, in start order, carry the progress)."""
    from_local_date = deliveries.local_date(window_start, connection.business)
    default, working_hours = backfill.listing_filters(connection)
    return [
        (["MASTER"], None, default, False),
        (["MASTER"], None, working_hours, False),
        (None, from_local_date, working_hours, False),
        (None, from_local_date, default, True),
    ]


def _local_events(connection: WixConnection, window_start, window_end) -> dict[str, int]:
    """Stored, not removed events that the upstream's listings of the window must hold: the
    MASTERs that begin before the view's end, and the single events and occurrences that start
    inside the window (of the mirrored apps)."""
    events = Event.objects.filter(
        business_id=connection.business_id, removed_date__isnull=True, start__lt=window_end
    ).filter(
        Q(recurrence_type=Event.RecurrenceType.MASTER) | Q(start__gte=window_start),
    )
    if connection.app_ids:
        events = events.filter(app_id__in=connection.app_ids)
    return dict(events.values_list("pk", "revision"))


def _start_of(data: dict):
    return mapping.parse_instant((data.get("start") or {}).get("utcDate"))


def mark_failed(*, reconciliation_pk: int, error: str) -> None:
    Reconciliation.objects.filter(pk=reconciliation_pk, status__in=ACTIVE).update(
        status=Reconciliation.Status.FAILED, error=error[:2000], finished_date=timezone.now()
    )
