"""The JSON API of a studio whose bookings live in Magicline: the same contract, the upstream's
slots and instructors, and Magicline's own date-time strings on validate and book."""

import json

import pytest
from django.core.cache import cache

from bookings.magicline.sync import apply_remote_customer
from bookings.mapping import parse_date_time
from tests.bookings.magicline.conftest import MEMBER_ID, TRAINING, day_at
from tests.factories import MagiclineConnectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_connection(fake, business):
    return MagiclineConnectionFactory(
        business=business, base_url=fake.base_url("berlin"), api_key="berlin-open-api-key-0001"
    )


def post(api, path, body):
    return api.post(f"/api/v1{path}", data=json.dumps(body), content_type="application/json")


def test_a_client_books_a_magicline_slot_with_the_instructor_it_was_offered(
    api, fake, demo_connection
):
    mia = apply_remote_customer(
        connection=demo_connection,
        data=fake.customers[MEMBER_ID]["data"],
        magicline_id=MEMBER_ID,
    )
    types = api.get("/api/v1/appointments/bookable").json()["result"]
    training = next(t for t in types if t["title"] == "Personal training")
    slots = api.get(
        f"/api/v1/appointments/bookable/{training['id']}/slots",
        {"slotWindowStartDate": day_at(2, 0).date().isoformat(), "daysAhead": 1},
    ).json()
    nine = slots[0]
    assert parse_date_time(nine["startDateTime"], reference="s") == day_at(2, 9)
    assert [i["publicName"] for i in nine["instructors"]] == ["Coach 101", "Coach 102"]
    body = {
        "customerId": mia.pk,
        "bookableAppointmentId": training["id"],
        "startDateTime": nine["startDateTime"],
        "endDateTime": nine["endDateTime"],
        "instructorIds": [nine["instructors"][1]["id"]],
    }
    cache.clear()  # another process answers the booking
    assert post(api, "/appointments/bookable/validate", body).json() == {
        "validationStatus": "AVAILABLE"
    }
    answer = post(api, "/appointments/booking/book", body)
    assert answer.status_code == 200
    assert [i["publicName"] for i in answer.json()["instructors"]] == ["Coach 102"]
    served = fake.studios["berlin"].slots[TRAINING][2]
    (sent,) = [json.loads(r.body) for r in fake.requests if r.path.endswith("/booking/book")]
    assert sent["startDateTime"] == served["startDateTime"]  # Magicline's, not the API's form
    assert sent["startDateTime"] != nine["startDateTime"]
    assert sent["instructorIds"] == [102]
