"""The apply rate of upstream event changes (``apply_remote_event``), per worker process.

Goal (issue 6): at least 1,000 event changes applied per second per worker. The figures count
creates, updates (a higher revision) and stale duplicates, each through the one apply path with
its lock, revision check, resources and audit record; query budgets per apply are asserted.
"""

import statistics
import time
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calendar_app.wix.apply import apply_remote_event
from tests.factories import WixConnectionFactory

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

EVENTS = 1_000
# Queries of one apply, savepoint and release included (inside a worker's own transaction
# they are BEGIN and COMMIT): lock, read, write, resources, audit.
BUDGET = {"create": 10, "update": 6, "stale": 3}


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
