"""The notices' words: the class, the day and the time in the business's zone, named."""

from datetime import datetime

import pytest

from calendar_app.notifications.rendering import render_cancellation
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def test_a_cancellation_names_the_class_the_day_the_zone_the_place_and_the_message(schedule):
    event = EventFactory(
        schedule=schedule,
        title="Morning Yoga",
        start_local=datetime(2026, 3, 30, 9, 0),  # the day after Berlin's clocks went forward
        location={"name": "Studio A", "address": "Hauptstr. 1, Berlin"},
    )

    rendered = render_cancellation(
        event=event,
        business=event.business,
        name="Ana",
        message="Sorry <b>all</b>",
        unsubscribe_url="https://x/u/",
    )

    assert rendered.subject == "Cancelled: Morning Yoga on Mon 30 Mar 2026"
    assert "Hello Ana," in rendered.text
    assert (
        "Morning Yoga on Monday 30 March 2026, 09:00 to 10:00 (Europe/Berlin) "
        "at Studio A, Hauptstr. 1, Berlin has been cancelled." in rendered.text
    )
    assert "Sorry <b>all</b>" in rendered.text  # plain text is not escaped
    assert "Sorry &lt;b&gt;all&lt;/b&gt;" in rendered.html  # HTML is
    assert 'href="https://x/u/"' in rendered.html


def test_times_are_shown_in_the_business_zone_not_the_event_s(schedule):
    business = schedule.business
    business.time_zone = "America/New_York"
    business.save()
    event = EventFactory(
        schedule=schedule, time_zone="Europe/Berlin", start_local=datetime(2026, 6, 1, 18, 0)
    )

    rendered = render_cancellation(
        event=event, business=business, name="", message="", unsubscribe_url=""
    )

    assert "12:00 to 13:00 (America/New_York)" in rendered.text
