"""Conferencing answers the core's hooks (calendar_app.extensions) from its AppConfig.ready():
the core asks them and never imports conferencing."""

import pytest

from calendar_app import extensions
from calendar_app.models import Event
from tests.factories import EventFactory, MeetingFactory

pytestmark = pytest.mark.django_db

WRITTEN = {"type": "CUSTOM", "guestUrl": "https://meet.example.test/room-1", "externalId": "room-1"}


def test_the_event_page_hook_finds_the_event_s_meeting(schedule):
    event = EventFactory(schedule=schedule)
    meeting = MeetingFactory(event=event)

    assert extensions.event_meeting(event) == meeting
    assert extensions.event_meeting(EventFactory(schedule=schedule)) is None


def test_the_shown_links_hook_hides_a_cancelled_event_s_automated_links(schedule):
    event = EventFactory(
        schedule=schedule, status=Event.Status.CANCELLED, conferencing_details=WRITTEN
    )
    MeetingFactory(event=event, state="deleted", external_id="", written_details=WRITTEN)

    assert extensions.event_conferencing(event) is None


def test_a_cancellation_forgets_only_the_links_the_automation_wrote(schedule):
    automated = EventFactory(
        schedule=schedule, status=Event.Status.CANCELLED, conferencing_details=WRITTEN
    )
    MeetingFactory(event=automated, written_details=WRITTEN)
    by_hand = EventFactory(
        schedule=schedule,
        status=Event.Status.CANCELLED,
        conferencing_details={"type": "CUSTOM", "guestUrl": "https://zoom.example.com/j/42"},
    )
    events = Event.objects.filter(pk__in=[automated.pk, by_hand.pk])

    assert extensions.links_to_forget_on_cancel(events) == [automated.pk]
