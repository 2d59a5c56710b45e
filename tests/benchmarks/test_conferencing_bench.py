"""Conferencing: the rate of the meeting task of one worker, in process (the built-in provider,
so the time is ours: lock, read, provider, write-back through the local backend, audit), with
query budgets per task and per trigger asserted; times are only reported."""

import statistics
import time
from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from calendar_app.conferencing import services
from calendar_app.conferencing.models import Meeting
from calendar_app.models import Event
from tests.factories import (
    ConferencingAutomationFactory,
    EventFactory,
    days_ahead_at_ten,
    weekly_series,
)

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

EVENTS = 300
ENSURE_QUERY_BUDGET = 21  # making one meeting and writing its links, audited (6 are savepoints)
UNCHANGED_QUERY_BUDGET = 8  # a repeat that finds everything in step
TRIGGER_QUERY_BUDGET = 6  # asking meetings for a whole series' occurrences at once


def test_meeting_task_rate_and_queries(require_postgresql, report, schedule, owner_membership):
    ConferencingAutomationFactory(schedule=schedule)
    start = days_ahead_at_ten(1)
    events = [
        EventFactory(schedule=schedule, start_local=start + timedelta(hours=n))
        for n in range(EVENTS)
    ]
    services.ensure_meeting(event_id=events[0].pk)  # warm

    durations = []
    for event in events[1:-1]:
        began = time.perf_counter()
        assert services.ensure_meeting(event_id=event.pk) == "created"
        durations.append((time.perf_counter() - began) * 1000)
    with CaptureQueriesContext(db) as created:
        services.ensure_meeting(event_id=events[-1].pk)
    with CaptureQueriesContext(db) as unchanged:
        assert services.ensure_meeting(event_id=events[-1].pk) == "unchanged"

    assert Meeting.objects.filter(state="ready").count() == EVENTS
    assert len(created) <= ENSURE_QUERY_BUDGET, [q["sql"] for q in created.captured_queries]
    assert len(unchanged) <= UNCHANGED_QUERY_BUDGET
    p50 = statistics.median(durations)
    p95 = statistics.quantiles(durations, n=20)[18]
    report(
        f"meeting task (built-in rooms, in process): p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"{1000 / statistics.mean(durations):,.0f} meetings/s over {len(durations)} events; "
        f"{len(created)} queries to make one, {len(unchanged)} for a repeat"
    )


def test_a_series_trigger_runs_a_constant_number_of_queries(
    require_postgresql, report, schedule, owner_membership, django_capture_on_commit_callbacks
):
    ConferencingAutomationFactory(schedule=schedule)
    master = weekly_series(schedule, actor=owner_membership)
    occurrences = list(
        Event.objects.filter(recurring_event_id=master.pk).values_list("pk", flat=True)
    )

    with django_capture_on_commit_callbacks() as queued, CaptureQueriesContext(db) as trigger:
        services.request_meetings(business=schedule.business, event_ids=occurrences)

    assert len(queued) == len(occurrences)
    assert len(trigger) <= TRIGGER_QUERY_BUDGET
    report(
        f"meeting trigger for a series: {len(trigger)} queries for {len(occurrences)} occurrences"
    )
