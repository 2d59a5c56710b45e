"""The Magicline client against the fake studio: shapes, windows, paging, retries, errors."""

import logging
import time
from datetime import timedelta

import httpx
import pytest
from django.conf import settings

from bookings.contract import ValidationStatus
from bookings.magicline.errors import (
    MagiclineBadRequest,
    MagiclineError,
    MagiclineMalformed,
    MagiclineNetworkError,
    MagiclineNotFound,
    MagiclineRateLimited,
    MagiclineUnavailable,
)
from bookings.magicline.ratelimit import LocalWindow, RedisWindow, shared_window
from tests.bookings.magicline.conftest import BERLIN, GUEST_ID, MEMBER_ID, TRAINING, day_at

BERLIN_KEY = "berlin-open-api-key-0001"
HAMBURG_KEY = "hamburg-open-api-key-0002"


def test_the_key_check_tells_a_good_key_from_a_wrong_one(fake, client_of):
    assert client_of("berlin", BERLIN_KEY).check_key() is True
    assert client_of("berlin", HAMBURG_KEY).check_key() is False
    assert [r.method for r in fake.requests] == ["HEAD", "HEAD"]


def test_appointment_types_follow_every_slice_passing_the_offset_on(fake, client_of):
    for type_id in range(2000, 2120):
        fake.add_appointment_type("berlin", type_id, f"Type {type_id}", 30)
    types = client_of("berlin", BERLIN_KEY).bookable_appointments()
    assert len(types) == 122
    offsets = [r.query["offset"] for r in fake.requests if r.path == "/v1/appointments/bookable"]
    assert offsets == ["0", "2047", "2097"]


def test_appointment_types_are_cached_per_connection(fake, client_of):
    client = client_of("berlin", BERLIN_KEY)
    client.bookable_appointments()
    client.bookable_appointments()
    assert len(fake.requests) == 1
    client.bookable_appointments(fresh=True)
    assert len(fake.requests) == 2


def test_a_two_week_window_is_split_into_six_day_calls_merged_and_sorted(fake, client_of):
    start = day_at(1, 0).date()
    slots = client_of("berlin", BERLIN_KEY).slots(
        appointment_id=TRAINING, start_date=start, days=14, customer_id=MEMBER_ID
    )
    calls = [r.query for r in fake.requests]
    assert [(q["slotWindowStartDate"], q["daysAhead"]) for q in calls] == [
        (start.isoformat(), "6"),
        ((start + timedelta(days=6)).isoformat(), "6"),
        ((start + timedelta(days=12)).isoformat(), "2"),
    ]
    assert {q["customerId"] for q in calls} == {str(MEMBER_ID)}
    assert len(slots) == 28
    assert [s.start for s in slots] == sorted(s.start for s in slots)
    assert slots[0].start_date_time == fake.studios["berlin"].slots[TRAINING][0]["startDateTime"]
    assert slots[0].start_date_time.endswith("[Europe/Berlin]")


def test_a_three_day_studio_answers_400_and_the_client_falls_back_to_three_days(fake, client_of):
    client = client_of("hamburg", HAMBURG_KEY)
    slots = client.slots(appointment_id=TRAINING, start_date=day_at(1, 0).date(), days=6)
    assert [r.query["daysAhead"] for r in fake.requests] == ["6", "3", "3"]
    assert client.max_slot_window_days == 3
    assert len(slots) == 12


def test_overlapping_windows_are_de_duplicated(fake, client_of):
    fake.add_slot("berlin", TRAINING, day_at(1, 9), 60, instructor_ids=(102, 101))
    slots = client_of("berlin", BERLIN_KEY).slots(
        appointment_id=TRAINING, start_date=day_at(1, 0).date(), days=1
    )
    assert len(slots) == 2


def test_past_slots_are_dropped(fake, client_of):
    slots = client_of("berlin", BERLIN_KEY).slots(
        appointment_id=TRAINING,
        start_date=day_at(1, 0).date(),
        days=1,
        now=day_at(1, 12).astimezone(BERLIN),
    )
    assert [s.start.hour for s in slots] == [15]


def test_429_and_503_are_retried_with_backoff_honouring_retry_after(fake, client_of):
    fake.fail_next("GET", "/slots", 429, retry_after=2)
    fake.fail_next("GET", "/slots", 503)
    client = client_of("berlin", BERLIN_KEY, backoff_seconds=0.25)
    slots = client.slots(appointment_id=TRAINING, start_date=day_at(1, 0).date(), days=1)
    assert len(slots) == 2
    assert client_of.waits[0] == 2.0  # the Retry-After
    assert 0 <= client_of.waits[1] <= 0.5  # backoff with full jitter: 0.25 · 2
    assert len(client_of.waits) == 2
    assert len(fake.requests) == 3


def test_retries_are_bounded(fake, client_of):
    for _ in range(5):
        fake.fail_next("GET", "/v1/appointments/bookable", 503)
    with pytest.raises(MagiclineUnavailable):
        client_of("berlin", BERLIN_KEY, max_attempts=3).bookable_appointments()
    assert len(fake.requests) == 3


def test_a_long_retry_after_is_left_to_the_caller(fake, client_of):
    fake.fail_next("GET", "/v1/appointments/bookable", 429, retry_after=60)
    with pytest.raises(MagiclineRateLimited) as refused:
        client_of("berlin", BERLIN_KEY).bookable_appointments()
    assert refused.value.retry_after == 60
    assert len(fake.requests) == 1


def test_a_503_keeps_the_retry_after_it_was_answered_with(fake, client_of):
    fake.fail_next("GET", "/v1/appointments/bookable", 503, retry_after=60)
    with pytest.raises(MagiclineUnavailable) as refused:
        client_of("berlin", BERLIN_KEY).bookable_appointments()
    assert refused.value.retry_after == 60
    assert len(fake.requests) == 1


def test_a_500_is_a_typed_error_logged_with_its_trace_id_and_never_the_key(fake, client_of, caplog):
    fake.fail_next("GET", "/v1/appointments/booking", 500)
    with caplog.at_level(logging.INFO), pytest.raises(MagiclineUnavailable) as failed:
        client_of("berlin", BERLIN_KEY).customer_bookings(customer_id=MEMBER_ID)
    assert failed.value.trace_id.startswith("trace-")
    assert failed.value.trace_id in caplog.text
    assert BERLIN_KEY not in caplog.text
    assert len(fake.requests) == 1


def test_a_bad_request_carries_the_error_code_and_reference(fake, client_of):
    client = client_of("berlin", BERLIN_KEY)
    with pytest.raises(MagiclineBadRequest) as refused:
        client._request("GET", "/v1/appointments/bookable", params={"sliceSize": 500})
    assert refused.value.error_code == "errormessage.validation.max"
    assert refused.value.reference == "sliceSize"


def test_the_per_endpoint_minute_waits_for_its_turn(fake, client_of):
    client = client_of("berlin", BERLIN_KEY, requests_per_minute=2, max_wait=60)
    for _ in range(3):
        client.customer_bookings(customer_id=MEMBER_ID)
    client.booking(booking_id=1)  # another endpoint: its own minute, no wait
    assert len(client_of.waits) == 1
    assert 55 < client_of.waits[0] <= 60  # when the first call leaves the minute


def test_every_process_counts_in_the_same_minute_of_an_endpoint(fake, client_of):
    """Two workers' clients of one studio, each with its own Redis connection."""
    assert isinstance(shared_window(), RedisWindow)
    first, second = (
        client_of(
            "berlin",
            BERLIN_KEY,
            requests_per_minute=2,
            max_wait=1,
            rate_window=RedisWindow(settings.REDIS_URL),
        )
        for _ in range(2)
    )
    first.connection_id = second.connection_id = f"two-workers-{time.time()}"
    first.customer_bookings(customer_id=MEMBER_ID)
    second.customer_bookings(customer_id=MEMBER_ID)
    with pytest.raises(MagiclineRateLimited):
        first.customer_bookings(customer_id=MEMBER_ID)
    assert len(fake.requests) == 2


def test_without_redis_the_minute_is_kept_in_memory():
    window = LocalWindow()
    assert [window.reserve("k", limit=2, window=60, max_wait=1) for _ in range(2)] == [0, 0]
    assert window.reserve("k", limit=2, window=60, max_wait=1) is None
    assert 59 < window.reserve("k", limit=2, window=60, max_wait=60) <= 60
    assert window.reserve("other", limit=2, window=60, max_wait=1) == 0


def test_an_empty_bucket_with_a_long_wait_refuses_without_calling(fake, client_of):
    client = client_of("berlin", BERLIN_KEY, requests_per_minute=1, max_wait=1)
    client.customer_bookings(customer_id=MEMBER_ID)
    with pytest.raises(MagiclineRateLimited):
        client.customer_bookings(customer_id=MEMBER_ID)
    assert len(fake.requests) == 1


def test_validate_and_book_send_the_date_times_exactly_as_received(fake, client_of):
    client = client_of("berlin", BERLIN_KEY)
    slot = client.slots(appointment_id=TRAINING, start_date=day_at(2, 0).date(), days=1)[0]
    body = {
        "customer_id": MEMBER_ID,
        "appointment_id": TRAINING,
        "start_date_time": slot.start_date_time,
        "end_date_time": slot.end_date_time,
        "instructor_ids": [101],
    }
    assert client.validate(**body) == "AVAILABLE"
    booking = client.book(**body)
    assert booking.booking_status == "BOOKED"
    assert booking.start_date_time == slot.start_date_time
    assert client.validate(**body) == "CUSTOMER_IN_OTHER_BOOKING"
    assert [b.booking_id for b in client.customer_bookings(customer_id=MEMBER_ID)] == [
        booking.booking_id
    ]
    assert client.booking(booking_id=booking.booking_id).customer_id == MEMBER_ID
    client.cancel(booking_id=booking.booking_id)
    assert client.booking(booking_id=booking.booking_id) is None
    with pytest.raises(MagiclineNotFound):
        client.cancel(booking_id=booking.booking_id)


def test_customers_are_found_in_the_studio_or_across_studios(fake, client_of):
    client = client_of("berlin", BERLIN_KEY)
    assert client.customer(customer_id=MEMBER_ID).first_name == "Mia"
    assert client.customer(customer_id=GUEST_ID) is None
    assert client.customer(customer_id=GUEST_ID, cross_studio=True).last_name == "Guest"
    assert [c.id for c in client.search_customers(cross_studio=True, lastName="gu")] == [GUEST_ID]


def test_a_read_that_gets_no_answer_is_tried_again_then_a_network_error(client_of):
    client = client_of("berlin", BERLIN_KEY, max_attempts=3)
    client._http = httpx.Client(base_url="http://127.0.0.1:9")  # nothing listens on port 9
    with pytest.raises(MagiclineNetworkError):
        client.customer_bookings(customer_id=MEMBER_ID)
    assert len(client_of.waits) == 2  # three attempts


def test_a_post_that_may_have_reached_the_studio_is_never_repeated(client_of):
    client = client_of("berlin", BERLIN_KEY, max_attempts=3)
    client._http = httpx.Client(base_url="http://127.0.0.1:9")
    with pytest.raises(MagiclineNetworkError):
        client.search_customers(firstName="Mia")
    assert client_of.waits == []


# --- answers the client cannot read, and answers it tolerates -----------------------------------


def without(name):
    return lambda answer: {k: v for k, v in answer.items() if k != name}


def booked(fake) -> int:
    return fake.add_booking("berlin", MEMBER_ID, TRAINING, day_at(3, 11))["bookingId"]


@pytest.mark.parametrize(
    ("rewrite", "sentence", "reference"),
    [
        (without("bookingId"), "bookingId is required.", "bookingId"),
        (without("customerId"), "customerId is required.", "customerId"),
        (lambda a: {**a, "bookingId": "7"}, "bookingId must be a whole number.", "bookingId"),
        (
            lambda a: {**a, "startDateTime": "tomorrow at nine"},
            "startDateTime is not a date-time with an offset",
            "startDateTime",
        ),
        (
            lambda a: {**a, "instructors": [{"firstName": "Anna"}]},
            "instructors[0].id is required.",
            "instructors.id",
        ),
        (lambda a: [a], "The answer must be a JSON object.", None),
        (lambda a: b"<html>Bad gateway</html>", "The answer must be a JSON object.", None),
    ],
)
def test_a_booking_it_cannot_read_is_a_malformed_answer_naming_the_field(
    fake, client_of, rewrite, sentence, reference
):
    booking_id = booked(fake)
    fake.garble_next("GET", f"/booking/{booking_id}", rewrite)

    with pytest.raises(MagiclineMalformed) as malformed:
        client_of("berlin", BERLIN_KEY).booking(booking_id=booking_id)

    assert malformed.value.message.startswith(sentence)
    assert malformed.value.reference == reference
    assert str(malformed.value).startswith(
        "Magicline answered something we cannot read (GET /v1/appointments/booking/{id}): "
    )


def test_a_slot_without_its_end_is_a_malformed_answer(fake, client_of):
    fake.garble_next("GET", "/slots", lambda slots: [slots[0], without("endDateTime")(slots[1])])

    with pytest.raises(MagiclineMalformed, match=r"\[1\]\.endDateTime is required"):
        client_of("berlin", BERLIN_KEY).slots(
            appointment_id=TRAINING, start_date=day_at(1, 0).date(), days=1
        )


def test_a_slice_that_is_no_sliced_result_is_a_malformed_answer(fake, client_of):
    fake.garble_next("GET", "/v1/appointments/bookable", lambda page: {**page, "result": 3})

    with pytest.raises(MagiclineMalformed, match="result must be a list"):
        client_of("berlin", BERLIN_KEY).bookable_appointments()


def test_statuses_the_contract_does_not_list_yet_read_as_the_safe_default(fake, client_of):
    booking_id = booked(fake)
    fake.garble_next(
        "GET",
        f"/booking/{booking_id}",
        lambda a: {
            **a,
            "bookingStatus": "WAITLISTED",
            "participantStatus": "TELEPORTED",
            "somethingNew": [1, 2],
        },
    )
    fake.garble_next("POST", "/validate", lambda a: {"validationStatus": "MOON_PHASE_WRONG"})
    fake.garble_next("GET", f"/customers/{MEMBER_ID}", lambda a: {**a, "status": "VIP"})
    client = client_of("berlin", BERLIN_KEY)

    booking = client.booking(booking_id=booking_id)
    verdict = client.validate(
        customer_id=MEMBER_ID,
        appointment_id=TRAINING,
        start_date_time=booking.start_date_time,
        end_date_time=booking.end_date_time,
        instructor_ids=None,
    )
    customer = client.customer(customer_id=MEMBER_ID)

    assert (booking.booking_status, booking.participant_status) == ("BOOKED", "UNSET")
    assert booking.start == day_at(3, 11)
    assert verdict == ValidationStatus.NOT_AVAILABLE
    assert customer.status == "MEMBER"


def test_a_base_url_at_an_internal_address_fails_with_the_reason_and_is_not_retried(
    fake, client_of, settings
):
    settings.EGRESS_ALLOW = []

    with pytest.raises(MagiclineError, match=r"127\.0\.0\.1 is a loopback address") as refused:
        client_of("berlin", BERLIN_KEY).bookable_appointments()

    assert not isinstance(refused.value, MagiclineUnavailable)  # the tasks retry only outages
    assert fake.requests == []
