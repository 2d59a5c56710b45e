"""Reconciliation of a Wix connection: re-read the upstream's events view and repair drift.

A run (a ``Reconciliation`` row, queued by the beat task or by "Resync now") reads the window
from ``history_days`` back to the view's end (Get Events View → Query Events, paged; the MASTERs
first) and applies every event through ``apply.apply_remote_event``: missing rows are created,
stale ones updated, soft-deleted ones that the upstream has again (with a newer revision)
revived. Local rows of the window that the upstream no longer lists are soft-deleted at their
stored revision. Those candidates are taken BEFORE the upstream is read, so a row that a
webhook creates or updates during the run is never mistaken for one that is gone. The number
of rows repaired is stored on the run, and its progress while it reads.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from calendar_app.models import Event
from calendar_app.wix import apply, deliveries, mapping, tasks
from calendar_app.wix.health.models import Reconciliation
from calendar_app.wix.models import WixConnection

SOURCE = "reconcile"
ACTIVE = (Reconciliation.Status.QUEUED, Reconciliation.Status.RUNNING)


def request_reconciliation(*, connection: WixConnection, requested_by_user: bool) -> bool:
    """Queue a run unless one is already queued or running; True when one was queued."""
    with transaction.atomic():
        WixConnection.objects.select_for_update().filter(pk=connection.pk).first()
        if Reconciliation.objects.filter(connection=connection, status__in=ACTIVE).exists():
            return False
        run = Reconciliation.objects.create(
            connection=connection, requested_by_user=requested_by_user
        )
        tasks.reconcile_connection.delay_on_commit(run.pk)
    return True


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
    candidates = _local_occurrences(connection, window_start, window_end)
    run.status = Reconciliation.Status.RUNNING
    run.started_date = timezone.now()
    run.window_start, run.window_end = window_start, window_end
    run.events_read = run.repaired = 0
    run.save()

    window = {
        "from_local_date": deliveries.local_date(window_start, business),
        "to_local_date": deliveries.local_date(window_end, business),
        "time_zone": business.time_zone,
        "filter": {"appId": {"$in": connection.app_ids}} if connection.app_ids else None,
    }
    seen: set[str] = set()
    for recurrence_types in (["MASTER"], None):  # series first, then their occurrences
        for page in client.query_events(**window, recurrence_types=recurrence_types):
            for data in page:
                result = apply.apply_remote_event(
                    connection=connection, data=data, source=SOURCE, client=client
                )
                seen.add(result.object_id)
                run.repaired += result.applied
                run.events_read += 1
            if page and recurrence_types is None:
                run.reached_date = _start_of(page[-1]) or run.reached_date
            run.save(update_fields=["events_read", "repaired", "reached_date"])

    for event_id, revision in candidates.items():
        if event_id not in seen:
            result = apply.apply_remote_event(
                connection=connection,
                data={"id": event_id, "revision": str(revision)},
                removed=True,
                source=SOURCE,
            )
            run.repaired += result.applied
    run.status = Reconciliation.Status.DONE
    run.finished_date = timezone.now()
    run.save()
    return run.repaired


def _local_occurrences(connection: WixConnection, window_start, window_end) -> dict[str, int]:
    """Stored, not removed single events and occurrences that start inside the window: the
    upstream's listing of the window must hold each of them (MASTERs are only ever updated
    here, never removed: which of them a dated listing returns is not specified)."""
    return dict(
        Event.objects.filter(
            business_id=connection.business_id,
            removed_date__isnull=True,
            start__gte=window_start,
            start__lt=window_end,
        )
        .exclude(recurrence_type=Event.RecurrenceType.MASTER)
        .values_list("pk", "revision")
    )


def _start_of(data: dict):
    return mapping.parse_instant((data.get("start") or {}).get("utcDate"))


def mark_failed(*, reconciliation_pk: int, error: str) -> None:
    Reconciliation.objects.filter(pk=reconciliation_pk, status__in=ACTIVE).update(
        status=Reconciliation.Status.FAILED, error=error[:2000], finished_date=timezone.now()
    )
