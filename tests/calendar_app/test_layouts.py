"""Calendar layouts: the event links written in Python are the links the template would write."""

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from calendar_app import layouts
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "event_id",
    ["6f1c2b9e-1d2a-4c3b-9f8e-7a6b5c4d3e2f", "a b", "x&y'z", 'q"<r>', "über~:@", "50%"],
)
def test_an_event_link_is_the_reversed_url_escaped_for_an_attribute(event_id):
    link = layouts.event_links()

    assert link(event_id) == escape(reverse("calendar_app:event_detail", args=[event_id]))


@pytest.mark.parametrize("text", ["Yoga", 'Tom & "Jerry" <b>', "it's", ""])
def test_escape_is_django_s_escape(text):
    assert layouts.escape(text) == escape(text)


def test_an_event_s_title_and_schedule_are_escaped_in_its_markup(owner_client, schedule):
    schedule.name = "Kids <5>"
    schedule.save()
    event = EventFactory(
        schedule=schedule, title='<script>alert("x")</script>', start_local=datetime(2026, 6, 1, 9)
    )

    response = owner_client.get(
        reverse("calendar_app:calendar", args=["week"]) + "?date=2026-06-01"
    )

    content = response.content.decode()
    assert "<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</b>" in content
    peek = owner_client.get(reverse("calendar_app:event_peek", args=[event.id])).content
    assert "Kids &lt;5&gt;" in peek.decode()
    assert "<script>alert" not in content
    assert f'data-event-id="{event.id}"' in content


def test_the_empty_hours_link_to_a_new_event_at_that_hour_of_the_day(owner_client, schedule):
    url = reverse("calendar_app:calendar", kwargs={"view": "day"})

    page = owner_client.get(url, {"date": "2027-01-11", "schedule": schedule.pk}).content.decode()

    create = escape(f"{reverse('calendar_app:event_create')}?start=2027-01-11T09:00&")
    assert f'<div class="cal-slot" data-hour="09:00"><a class="cal-add" href="{create}' in page
    assert 'aria-label="New event on Monday 11 January at 09:00">+</a>' in page
