"""The one rule of which conferencing links are shown: a cancelled or removed event's links
from its (deleted) automated meeting are gone; live events and links entered by hand are not."""

import pytest
from django.utils import timezone

from calendar_app.conferencing.selectors import event_conferencing, shown_conferencing
from calendar_app.models import Event
from tests.factories import EventFactory, MeetingFactory

pytestmark = pytest.mark.django_db

WRITTEN = {
    "type": "CUSTOM",
    "hostUrl": "https://meet.example.test/room-1",
    "guestUrl": "https://meet.example.test/room-1",
    "externalId": "room-1",
}
BY_HAND = {"type": "CUSTOM", "guestUrl": "https://zoom.example.com/j/42"}


@pytest.mark.parametrize(
    ("details", "gone", "shown"),
    [
        (WRITTEN, True, None),
        (WRITTEN, False, WRITTEN),
        (BY_HAND, True, BY_HAND),
        ({**WRITTEN, "externalId": "another"}, True, {**WRITTEN, "externalId": "another"}),
        (None, True, None),
    ],
    ids=["cancelled", "live", "by-hand", "other-meeting", "none"],
)
def test_shown_conferencing(details, gone, shown):
    assert shown_conferencing(details=details, cancelled_or_removed=gone, written=WRITTEN) == shown


def test_nothing_was_written_so_nothing_is_hidden():
    assert shown_conferencing(details=WRITTEN, cancelled_or_removed=True, written=None) == WRITTEN


@pytest.mark.parametrize(
    "change", [{"status": Event.Status.CANCELLED}, {"removed_date": timezone.now()}]
)
def test_an_event_s_deleted_meeting_links_are_hidden(schedule, change):
    event = EventFactory(schedule=schedule, conferencing_details=WRITTEN, **change)
    MeetingFactory(event=event, state="deleted", external_id="", written_details=WRITTEN)

    assert event_conferencing(event) is None


def test_a_live_event_reads_no_meeting(schedule, django_assert_num_queries):
    event = EventFactory(schedule=schedule, conferencing_details=WRITTEN)
    MeetingFactory(event=event, written_details=WRITTEN)

    with django_assert_num_queries(0):
        assert event_conferencing(event) == WRITTEN
