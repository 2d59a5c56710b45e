"""The participant dashboard of an event with 1,000 participants."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from calendar_app import services
from calendar_app.models import Event
from participants.models import Participation
from tests.benchmarks.conftest import time_get

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

PARTICIPANTS = 1_000
DASHBOARD_QUERIES = 11  # whatever the number of participants: the list is paged (+2: the
# schedule's waitlist rules and who is waiting; +1: the messages about the event)
SEARCH_QUERIES = 11  # the search runs over every row, paged the same way (+1: the messages)


def test_participants_dashboard_server_time(
    require_postgresql, owner_client, business, schedule, report
):
    start = datetime.now(business.zone).replace(tzinfo=None, hour=18, minute=0) + timedelta(days=7)
    event = services.create_event(
        actor=None,
        schedule=schedule,
        title="Open day",
        type=Event.Type.CLASS,
        start_local=start,
        end_local=start + timedelta(hours=3),
        total_capacity=PARTICIPANTS,
    )
    Participation.objects.bulk_create(
        [
            Participation(
                business=business,
                event=event,
                name=f"Participant {n:04d}",
                email=f"participant{n}@example.com",
                phone=f"+49 151 {1000000 + n}",
                party_size=1,
                status=Participation.Status.CONFIRMED,
            )
            for n in range(PARTICIPANTS)
        ],
        batch_size=1000,
    )
    Event.objects.filter(pk=event.pk).update(remaining_capacity=0)
    url = reverse("participants:dashboard", kwargs={"event_id": event.pk})

    timing = time_get(owner_client, url)

    search = time_get(owner_client, f"{url}?q=participant+09")

    report(timing.line(f"participants dashboard ({PARTICIPANTS:,} participants on the event)"))
    report(search.line(f"participants search over {PARTICIPANTS:,} (100 matches, first page)"))
    assert timing.queries <= DASHBOARD_QUERIES
    assert search.queries <= SEARCH_QUERIES
