"""The apply rate of upstream event changes, per worker process: one at a time
(``apply_remote_event``) and in batches (``apply_remote_events``, what a worker draining its
backlog does).

Goal (issue 6): at least 1,000 event changes applied per second per worker. The figures count
creates, updates (a higher revision) and stale duplicates, each through the one apply path with
its lock, revision check, resources and audit record; query budgets per apply and per batch are
asserted.
"""

import os
import statistics
import time
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calendar_app.wix.apply import apply_remote_event, apply_remote_events
from calendar_app.wix.deliveries import BATCH_SIZE
from tests.factories import WixConnectionFactory

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

EVENTS = 1_000
# Queries of one apply, savepoint and release included (inside a worker's own transaction
# they are BEGIN and COMMIT): lock, read, write, resources, audit.
BUDGET = {"create": 10, "update": 6, "stale": 3}
# Queries of one batch of BATCH_SIZE changes, whatever BATCH_SIZE is: lock and read (with the
# advisory locks and second read for new ids), the schedule, one INSERT or UPDATE for the rows,
# the resource links, the audit records.
BATCH_BUDGET = {"create": 12, "update": 8, "stale": 4}


def wire_event(n: int, revision: int) -> dict:
    start = datetime(2027, 1, 4, 8, 0) + timedelta(minutes=30 * n)
    return {
        "id": f"bench-event-{n:05d}",
        "scheduleId": "bench-schedule",
        "scheduleName": "Classes",
        "type": "CLASS",
        "status": "CONFIRMED",
        "title": f"Class {n} r{revision}",
        "start": {"localDate": f"{start:%Y-%m-%dT%H:%M:%S}", "timeZone": "Europe/Berlin"},
        "end": {
            "localDate": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M:%S}",
            "timeZone": "Europe/Berlin",
        },
        "timeZone": "Europe/Berlin",
        "recurrenceType": "INSTANCE",
        "recurringEventId": "bench-master",
        "resources": [{"id": f"bench-room-{n % 5}", "name": "Room", "type": "ROOM"}],
        "totalCapacity": 12,
        "remainingCapacity": 12,
        "revision": str(revision),
    }


def timed(connection_, payloads) -> list[float]:
    timings = []
    for data in payloads:
        started = time.perf_counter()
        apply_remote_event(connection=connection_, data=data, source="webhook")
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def queries_of(connection_, data) -> int:
    with CaptureQueriesContext(connection) as queries:
        apply_remote_event(connection=connection_, data=data, source="webhook")
    return len(queries)


def test_apply_remote_event_rate(require_postgresql, report):
    wix = WixConnectionFactory()
    wix.business  # noqa: B018 - load the business once, as a worker holding the connection does
    apply_remote_event(connection=wix, data=wire_event(EVENTS, 1), source="webhook")  # warm up

    creates = timed(wix, [wire_event(n, 1) for n in range(EVENTS)])
    updates = timed(wix, [wire_event(n, 2) for n in range(EVENTS)])
    stale = timed(wix, [wire_event(n, 1) for n in range(EVENTS)])

    counts = {
        "create": queries_of(wix, wire_event(EVENTS + 1, 1)),
        "update": queries_of(wix, wire_event(EVENTS + 1, 2)),
        "stale": queries_of(wix, wire_event(EVENTS + 1, 2)),
    }
    for kind, timings in (("create", creates), ("update", updates), ("stale", stale)):
        p50 = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1]
        rate = len(timings) / (sum(timings) / 1000)
        report(
            f"apply_remote_event {kind}: {rate:,.0f} changes/s, p50 {p50:.2f} ms, "
            f"p95 {p95:.2f} ms over {len(timings):,}, {counts[kind]} queries each"
        )
    changes = creates + updates
    report(
        f"apply_remote_event applied changes (create + update): "
        f"{len(changes) / (sum(changes) / 1000):,.0f} changes/s per worker (goal >= 1,000)"
    )
    for kind, budget in BUDGET.items():
        assert counts[kind] <= budget, f"{kind} took {counts[kind]} queries (budget {budget})"


def timed_batches(connection_, payloads) -> list[float]:
    """Milliseconds per change of each batch of ``BATCH_SIZE``."""
    timings = []
    for first in range(0, len(payloads), BATCH_SIZE):
        batch = [(data, False) for data in payloads[first : first + BATCH_SIZE]]
        started = time.perf_counter()
        apply_remote_events(connection=connection_, changes=batch, source="webhook")
        timings.append((time.perf_counter() - started) * 1000 / len(batch))
    return timings


def batch_queries_of(connection_, payloads) -> int:
    with CaptureQueriesContext(connection) as queries:
        apply_remote_events(
            connection=connection_, changes=[(data, False) for data in payloads], source="webhook"
        )
    return len(queries)


def test_apply_remote_events_rate_in_batches(require_postgresql, report):
    wix = WixConnectionFactory()
    wix.business  # noqa: B018 - load the business once, as a worker holding the connection does
    apply_remote_event(connection=wix, data=wire_event(EVENTS * 3, 1), source="webhook")

    events = EVENTS * 2
    creates = timed_batches(wix, [wire_event(n, 1) for n in range(events)])
    updates = timed_batches(wix, [wire_event(n, 2) for n in range(events)])
    stale = timed_batches(wix, [wire_event(n, 1) for n in range(events)])

    extra = range(events, events + BATCH_SIZE)
    counts = {
        "create": batch_queries_of(wix, [wire_event(n, 1) for n in extra]),
        "update": batch_queries_of(wix, [wire_event(n, 2) for n in extra]),
        "stale": batch_queries_of(wix, [wire_event(n, 2) for n in extra]),
    }
    for kind, timings in (("create", creates), ("update", updates), ("stale", stale)):
        rate = 1000 / statistics.mean(timings)
        report(
            f"apply_remote_events {kind} in batches of {BATCH_SIZE}: {rate:,.0f} changes/s, "
            f"p50 {statistics.median(timings):.3f} ms, p95 "
            f"{statistics.quantiles(timings, n=20)[-1]:.3f} ms per change over {events:,}, "
            f"{counts[kind]} queries per batch ({counts[kind] / BATCH_SIZE:.2f} per change)"
        )
    changes = creates + updates
    report(
        f"apply_remote_events applied changes (create + update, batches of {BATCH_SIZE}): "
        f"{1000 / statistics.mean(changes):,.0f} changes/s per worker (goal >= 1,000), load "
        f"average {os.getloadavg()[0]:.1f}"
    )
    for kind, budget in BATCH_BUDGET.items():
        assert counts[kind] <= budget, f"a {kind} batch took {counts[kind]} queries ({budget})"
