"""Magicline's participantStatus: stored with each booking it answers and shown, labelled, in the
booking screen's list; a local booking (no upstream status) shows no such column."""

import pytest

from bookings.magicline.models import MagiclineBooking
from bookings.magicline.sync import apply_remote_booking, apply_remote_customer
from tests.bookings.magicline.conftest import MEMBER_ID, day_at
from tests.bookings.magicline.test_booking_screen import pick_form, screen
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def studio_client(client, berlin_studio):
    client.force_login(MembershipFactory(business=berlin_studio, role="owner").user)
    return client


@pytest.fixture
def mia(fake, berlin_connection):
    return apply_remote_customer(
        connection=berlin_connection,
        data=fake.customers[MEMBER_ID]["data"],
        magicline_id=MEMBER_ID,
    )


@pytest.fixture
def training(studio_client, berlin_connection):
    studio_client.get("/bookings/")  # mirrors the studio's services
    return berlin_connection.appointment_types.get(magicline_id=1001).appointment


@pytest.fixture
def booked(studio_client, training, mia):
    page = screen(studio_client, training, mia, slot=f"{day_at(2, 9):%Y-%m-%dT%H:%M}")
    studio_client.post("/bookings/book/", pick_form(page))
    return MagiclineBooking.objects.select_related("booking").get()


def upcoming(page) -> str:
    return page.text.split('id="upcoming"')[1]


def test_the_status_magicline_answered_is_stored_and_shown(studio_client, training, mia, booked):
    assert booked.booking.participant_status == "UNSET"

    listed = upcoming(screen(studio_client, training, mia))

    assert "Participation <span" in listed
    assert 'title="Magicline participantStatus UNSET">Unset</span>' in listed


@pytest.mark.parametrize(
    ("status", "label"),
    [("PARTICIPATING", "Participating"), ("NOT_PARTICIPATING", "Not participating")],
)
def test_a_refreshed_status_is_stored_and_labelled(
    studio_client, fake, berlin_connection, training, mia, booked, status, label
):
    answer = dict(fake.studios["berlin"].bookings[booked.magicline_id], participantStatus=status)

    apply_remote_booking(connection=berlin_connection, data=answer)

    booked.booking.refresh_from_db()
    assert booked.booking.participant_status == status
    listed = upcoming(screen(studio_client, training, mia))
    assert f'title="Magicline participantStatus {status}">{label}</span>' in listed


def test_a_status_the_contract_does_not_list_is_stored_as_unset(fake, berlin_connection, booked):
    answer = dict(
        fake.studios["berlin"].bookings[booked.magicline_id], participantStatus="TELEPORTED"
    )

    apply_remote_booking(connection=berlin_connection, data=answer)

    booked.booking.refresh_from_db()
    assert booked.booking.participant_status == "UNSET"
