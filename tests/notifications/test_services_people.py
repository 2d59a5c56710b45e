"""Notices to one person about their own place: a participation added (also from the waiting
list) or cancelled by staff, an appointment booked or cancelled from the dashboard or the API."""

# ruff: noqa: F811 (the tests take the fixtures imported below as arguments)

import json
from datetime import timedelta

import pytest

from bookings import services as bookings
from bookings.mapping import format_date_time, instructor_number
from calendar_app import services as calendar_services
from calendar_app.notifications.models import NO_EMAIL, Message
from participants import services as participants
from participants.models import Participation, WaitlistEntry
from tests.bookings.conftest import (  # noqa: F401 (fixtures)
    BERLIN,
    anna,
    api,
    api_key,
    ben,
    berlin,
    member,
    room,
    training,
)
from tests.factories import EventFactory, ParticipationFactory

pytestmark = pytest.mark.django_db


def add(actor, event, **fields):
    participation, _created = participants.add_participation(
        actor=actor, event=event, name=fields.pop("name", "Ana"), **fields
    )
    return participation


def test_adding_a_participant_confirms_their_place(schedule, staff_membership):
    event = EventFactory(schedule=schedule, title="Pilates")

    participation = add(staff_membership, event, email="ana@example.org")

    row = Message.objects.get()
    assert (row.kind, row.state, row.participation_id) == (
        Message.Kind.PARTICIPATION_ADDED,
        Message.State.QUEUED,
        participation.pk,
    )
    assert row.subject == "Booked: Pilates on Mon 1 Jun 2026"
    assert "You are booked for Pilates on Monday 1 June 2026, 09:00 to 10:00 (Europe/Berlin)" in (
        row.text_body
    )
    assert row.ics_method == "REQUEST" and f"UID:{event.pk}@" in row.ics


def test_a_participant_without_email_is_skipped_and_one_pending_is_not_confirmed(
    schedule, staff_membership
):
    event = EventFactory(schedule=schedule)

    add(staff_membership, event, email="")
    add(staff_membership, event, name="Bo", email="bo@example.org", status="PENDING_CONFIRMATION")

    row = Message.objects.get()
    assert (row.state, row.reason) == (Message.State.SKIPPED, NO_EMAIL)


def test_a_repeated_submit_confirms_once(schedule, staff_membership):
    event = EventFactory(schedule=schedule)
    for _ in range(2):
        add(staff_membership, event, email="ana@example.org", idempotency_key="form-1")

    assert Message.objects.count() == 1


def test_cancelling_a_participation_tells_them_and_gives_the_place_to_the_first_waiting(
    schedule, staff_membership
):
    event = EventFactory(schedule=schedule, title="Spin", total_capacity=1, remaining_capacity=0)
    taken = ParticipationFactory(event=event, name="Ann", email="ann@example.org")
    participants.join_waitlist(
        actor=staff_membership, event=event, name="Cleo", email="cleo@example.org"
    )

    participants.cancel_participation(
        actor=staff_membership, participation=taken, expected_revision=taken.revision
    )

    told = {row.email: row for row in Message.objects.all()}
    assert set(told) == {"ann@example.org", "cleo@example.org"}
    cancelled = told["ann@example.org"]
    assert cancelled.kind == Message.Kind.PARTICIPATION_CANCELLED
    assert cancelled.subject == "Your place is cancelled: Spin on Mon 1 Jun 2026"
    assert cancelled.ics_method == "CANCEL"
    promoted = told["cleo@example.org"]
    assert promoted.kind == Message.Kind.PARTICIPATION_ADDED
    assert "you were on the waiting list" in promoted.text_body
    assert promoted.participation == WaitlistEntry.objects.get().participation


def test_a_participation_on_a_cancelled_event_gets_no_confirmation_or_cancellation(
    schedule, staff_membership, owner_membership
):
    event = EventFactory(schedule=schedule)
    participation = ParticipationFactory(event=event, email="a@example.org")
    calendar_services.cancel_event(
        actor=owner_membership, event=event, expected_revision=event.revision
    )
    participation.refresh_from_db()

    participants.cancel_participation(
        actor=staff_membership,
        participation=participation,
        expected_revision=participation.revision,
    )

    assert not Message.objects.exists()
    assert Participation.objects.get().cancelled_date is not None


def test_a_booking_from_the_dashboard_is_confirmed_and_its_cancellation_told(
    training,
    member,
    owner_membership,
):
    booking = bookings.book_appointment(
        actor=owner_membership,
        appointment=training,
        customer=member,
        start=berlin(9),
        end=berlin(10),
    )
    bookings.cancel_booking(actor=owner_membership, booking=booking)

    booked, cancelled = Message.objects.order_by("pk")
    for row in (booked, cancelled):
        assert (row.email, row.recipient_key) == (member.email, f"customer:{member.pk}")
        assert row.event_id == f"booking:{booking.pk}"
        assert f"UID:booking-{booking.pk}@" in row.ics
    day = f"{berlin(9):%a} {berlin(9).day} {berlin(9):%b %Y}"
    assert booked.subject == f"Booked: Personal training on {day}"
    assert "09:00 to 10:00 (Europe/Berlin)" in booked.text_body
    assert (booked.ics_method, cancelled.ics_method) == ("REQUEST", "CANCEL")
    assert "SEQUENCE:0" in booked.ics and "SEQUENCE:1" in cancelled.ics
    assert cancelled.subject == f"Cancelled: Personal training on {day}"


def test_a_booking_through_the_json_api_is_confirmed_and_a_repeated_cancel_tells_once(
    api,
    training,
    member,
    anna,
):
    body = {
        "customerId": member.pk,
        "bookableAppointmentId": training.pk,
        "startDateTime": format_date_time(berlin(9), BERLIN),
        "endDateTime": format_date_time(berlin(9) + timedelta(hours=1), BERLIN),
        "instructorIds": [instructor_number(anna.pk)],
    }
    path = "/api/v1/appointments/booking/book"
    booked = api.post(path, data=json.dumps(body), content_type="application/json").json()

    for _ in range(2):
        api.delete(f"/api/v1/appointments/booking/{booked['bookingId']}")

    assert sorted(Message.objects.values_list("kind", flat=True)) == [
        Message.Kind.APPOINTMENT_BOOKED,
        Message.Kind.APPOINTMENT_CANCELLED,
    ]
