"""The feed writes a location as the one location text, whatever shape its address has: a
structured address (an object, as upstreams send it) is one line, never a TypeError."""

import icalendar
import pytest

from calendar_app import recurrence, services
from calendar_app.feeds import selectors
from calendar_app.models import Event
from tests.factories import CalendarFeedFactory, EventFactory, next_monday

pytestmark = pytest.mark.django_db

STRUCTURED = {
    "type": "CUSTOM",
    "name": "Riverside hall",
    "address": {"formatted": "Uferstraße 8, 13357 Berlin", "city": "Berlin"},
}


def locations(schedule) -> dict[str, str]:
    calendar = icalendar.Calendar.from_ical(
        selectors.build_feed(CalendarFeedFactory(schedule=schedule))
    )
    return {str(e["SUMMARY"]): str(e.get("LOCATION", "")) for e in calendar.walk("VEVENT")}


def test_an_event_with_a_structured_address_shows_its_name_and_formatted_address(schedule):
    EventFactory(
        schedule=schedule, title="Open day", start_local=next_monday(), location=STRUCTURED
    )

    assert locations(schedule) == {"Open day": "Riverside hall, Uferstraße 8, 13357 Berlin"}


def test_a_structured_address_without_a_formatted_line_shows_its_parts(schedule):
    location = {"address": {"streetAddress": "Uferstraße 8", "city": "Berlin"}}
    EventFactory(schedule=schedule, title="Open day", start_local=next_monday(), location=location)

    (text,) = locations(schedule).values()
    # Its parts on one line (PostgreSQL's jsonb keeps no key order).
    assert sorted(text.split(", ")) == ["Berlin", "Uferstraße 8"]


def test_a_series_at_a_structured_address_shows_it_on_the_rule_and_its_overrides(
    schedule, owner_membership
):
    start = next_monday(hour=18)
    master = services.create_event(
        actor=owner_membership,
        schedule=schedule,
        title="Evening flow",
        start_local=start,
        end_local=start.replace(hour=19),
        location=STRUCTURED,
        recurrence_rule=recurrence.weekly_rule(day="MONDAY"),
    )
    moved = Event.objects.filter(recurring_event_id=master.pk).order_by("start")[1]
    services.update_event(
        actor=owner_membership,
        event=moved,
        expected_revision=moved.revision,
        changes={"title": "Evening flow (guest)", "location": {"address": {"city": "Potsdam"}}},
    )

    assert locations(schedule) == {
        "Evening flow": "Riverside hall, Uferstraße 8, 13357 Berlin",
        "Evening flow (guest)": "Potsdam",
    }
