"""The one HTTP retry policy: what it repeats, how long it waits, and when it gives up."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from calendar_app.sync.retry import RetryPolicy, retry_after_seconds


def answers(*items):
    """A call that gives ``items`` in turn (a status, a (status, Retry-After), or an error)."""
    made = []

    def call():
        item = items[len(made)]
        made.append(item)
        if isinstance(item, Exception):
            raise item
        status, retry_after = item if isinstance(item, tuple) else (item, None)
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        return httpx.Response(status, headers=headers)

    call.made = made
    return call


def test_it_repeats_429_and_5xx_waiting_retry_after_else_jittered_backoff():
    call, waits = answers((429, "3"), 502, 200), []

    response = RetryPolicy(backoff=0.5).send(call, sleep=waits.append)

    assert response.status_code == 200
    assert waits[0] == 3.0
    assert 0 <= waits[1] <= 1.0  # full jitter: between 0 and 0.5 · 2
    assert len(call.made) == 3


def test_the_last_answer_is_returned_when_the_attempts_run_out():
    call, waits = answers(503, 503, 503), []

    response = RetryPolicy(attempts=3).send(call, sleep=waits.append)

    assert response.status_code == 503
    assert len(waits) == 2


def test_a_retry_after_beyond_the_bound_is_not_waited_for():
    call, waits = answers((429, "3600")), []

    response = RetryPolicy(max_retry_after=30).send(call, sleep=waits.append)

    assert response.status_code == 429
    assert waits == []


def test_only_the_statuses_named_are_repeated():
    call, waits = answers(500, 200), []

    response = RetryPolicy().send(call, sleep=waits.append, statuses={429, 503})

    assert response.status_code == 500
    assert len(call.made) == 1


def test_no_answer_is_repeated_then_raised():
    call, waits = answers(*[httpx.ConnectTimeout("slow")] * 3), []

    with pytest.raises(httpx.ConnectTimeout):
        RetryPolicy(attempts=3).send(call, sleep=waits.append)
    assert len(call.made) == 3


def test_a_call_unsafe_to_repeat_is_not_repeated_after_no_answer():
    call, waits = answers(httpx.ReadTimeout("slow"), 200), []

    with pytest.raises(httpx.ReadTimeout):
        RetryPolicy().send(call, sleep=waits.append, repeat_on_no_answer=False)
    assert waits == []


def test_the_backoff_grows_and_stays_under_its_maximum():
    call, waits = answers(*[500] * 8), []

    RetryPolicy(attempts=8, backoff=1.0, max_backoff=4.0).send(call, sleep=waits.append)

    assert len(waits) == 7
    assert all(0 <= wait <= 4.0 for wait in waits)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), ("0", 0.0), ("-3", 0.0), ("soon", None), ("", None)],
)
def test_retry_after_is_read_in_seconds(header, seconds):
    response = httpx.Response(429, headers={"Retry-After": header} if header else {})

    assert retry_after_seconds(response) == seconds


def test_retry_after_is_read_as_an_http_date():
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)

    assert 17 <= retry_after_seconds(httpx.Response(503, headers={"Retry-After": later})) <= 20
