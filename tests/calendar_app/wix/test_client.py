"""The Calendar V3 client against the fake server (real HTTP on loopback) and respx."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx

from calendar_app.wix.client import (
    USER_AGENT,
    WixAuthError,
    WixBadRequest,
    WixClient,
    WixError,
    WixNotFound,
    WixRevisionConflict,
    WixUnavailable,
)


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(wix_server, sleeps):
    with WixClient(
        base_url=wix_server.base_url,
        api_key=wix_server.api_key,
        site_id=wix_server.site_id,
        timeout=2.0,
        sleep=sleeps.append,
    ) as client:
        yield client


@pytest.fixture
def schedule(wix_server):
    return wix_server.add_schedule(name="Yoga")


def seed_events(wix_server, schedule, count):
    start = datetime(2030, 1, 7, 9, 0)
    return [
        wix_server.add_event(
            schedule_id=schedule["id"],
            start_local=start + timedelta(hours=i),
            end_local=start + timedelta(hours=i, minutes=45),
            title=f"Class {i}",
        )
        for i in range(count)
    ]


def test_it_sends_the_key_the_site_and_a_user_agent():
    with respx.mock(base_url="https://www.wixapis.com") as mock:
        route = mock.get("/calendar/v3/events/view").respond(
            json={"eventsView": {"endDate": "2031-01-01T00:00:00Z", "futureDurationInDays": 380}}
        )
        with WixClient(
            base_url="https://www.wixapis.com", api_key="IST.key", site_id="site-9"
        ) as client:
            view = client.get_events_view()

    assert view["futureDurationInDays"] == 380
    headers = route.calls.last.request.headers
    assert (headers["Authorization"], headers["wix-site-id"]) == ("IST.key", "site-9")
    assert headers["User-Agent"] == USER_AGENT


def test_it_pages_through_query_events_with_the_cursor(client, wix_server, schedule):
    seed_events(wix_server, schedule, 7)

    pages = list(
        client.query_events(
            from_local_date="2030-01-01T00:00:00", to_local_date="2030-02-01T00:00:00", limit=3
        )
    )

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [e["title"] for page in pages for e in page] == [f"Class {i}" for i in range(7)]
    later_bodies = [body for _, path, body in wix_server.requests if path.endswith("/query")][1:]
    assert all(body["fromLocalDate"] == "2030-01-01T00:00:00" for body in later_bodies)
    assert all("filter" not in body["query"] for body in later_bodies)


def test_it_stops_on_a_repeating_cursor():
    page = {"events": [{"id": "a"}], "pagingMetadata": {"cursors": {"next": "c1"}, "hasNext": True}}
    with respx.mock(base_url="http://wix.test") as mock:
        route = mock.post("/calendar/v3/events/query").respond(json=page)
        with WixClient(base_url="http://wix.test", api_key="k", site_id="s") as client:
            pages = list(client.query_events(from_local_date=None, to_local_date=None))

    assert len(pages) == 2
    assert route.call_count == 2


def test_it_retries_429_honouring_retry_after(client, wix_server, sleeps):
    wix_server.script((429, "3"), 500, path="/calendar/v3/events/view")

    view = client.get_events_view()

    assert "endDate" in view
    assert sleeps[0] == 3.0
    assert 0 <= sleeps[1] <= client.retry.backoff * 2  # full jitter
    assert len(sleeps) == 2


def test_a_retry_after_beyond_the_bound_is_left_to_the_task(client, wix_server, sleeps):
    wix_server.script((429, "3600"), path="/calendar/v3/events/view")

    with pytest.raises(WixUnavailable, match="429"):
        client.get_events_view()
    assert sleeps == []  # a request never hangs for an hour; the task retries later


def test_a_retry_after_given_as_a_date_is_honoured(client, wix_server, sleeps):
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    wix_server.script((429, soon), path="/calendar/v3/events/view")

    client.get_events_view()

    assert len(sleeps) == 1
    assert 3 <= sleeps[0] <= 5


def test_it_gives_up_after_the_last_attempt(client, wix_server, sleeps):
    wix_server.script(503, 503, 503, 503, path="/calendar/v3/events/view")

    with pytest.raises(WixUnavailable):
        client.get_events_view()
    assert len(sleeps) == client.retry.attempts - 1


def test_a_slow_answer_is_a_timeout_then_unavailable(wix_server, sleeps):
    wix_server.script(("slow", 0.5), ("slow", 0.5), path="/calendar/v3/events/view")
    with (
        WixClient(
            base_url=wix_server.base_url,
            api_key=wix_server.api_key,
            site_id=wix_server.site_id,
            timeout=0.1,
            max_attempts=2,
            sleep=sleeps.append,
        ) as client,
        pytest.raises(WixUnavailable),
    ):
        client.get_events_view()
    assert len(sleeps) == 1


def test_a_refused_connection_is_unavailable(sleeps):
    with (
        WixClient(
            base_url="http://127.0.0.1:9", api_key="k", site_id="s", sleep=sleeps.append
        ) as client,
        pytest.raises(WixUnavailable),
    ):
        client.get_events_view()


def test_a_wrong_key_is_an_auth_error_that_does_not_echo_the_key(wix_server):
    with (
        WixClient(
            base_url=wix_server.base_url, api_key="IST.wrong-secret", site_id=wix_server.site_id
        ) as client,
        pytest.raises(WixAuthError) as error,
    ):
        client.get_events_view()
    assert error.value.status == 401
    assert "IST.wrong-secret" not in str(error.value)


def test_a_stale_revision_is_a_conflict(client, wix_server, schedule):
    event = seed_events(wix_server, schedule, 1)[0]
    client.update_event(event["id"], revision=1, changes={"title": "New"})

    with pytest.raises(WixRevisionConflict):
        client.update_event(event["id"], revision=1, changes={"title": "Newer"})
    assert wix_server.events[event["id"]]["title"] == "New"


def test_typed_errors_for_not_found_and_bad_request(client, wix_server):
    with pytest.raises(WixNotFound):
        client.get_event("missing")
    with pytest.raises(WixBadRequest):
        client.create_participation({"eventId": "x", "participant": {}, "partySize": 1})


def test_participations_round_trip(client, wix_server, schedule):
    event = seed_events(wix_server, schedule, 1)[0]

    created = client.create_participation(
        {"eventId": event["id"], "participant": {"name": "Jane"}, "partySize": 2}
    )
    updated = client.update_participation(created["id"], revision=1, changes={"partySize": 3})
    listed = [
        p for page in client.query_participations(filter={"eventId": event["id"]}) for p in page
    ]
    client.delete_participation(created["id"])

    assert (updated["partySize"], updated["revision"]) == (3, "2")
    assert [p["id"] for p in listed] == [created["id"]]
    assert wix_server.participations == {}
    assert wix_server.events[event["id"]]["remainingCapacity"] == 10


def test_a_schedule_created_twice_with_one_idempotency_key_is_created_once(client, wix_server):
    first = client.create_schedule({"name": "Pilates"}, idempotency_key="key-1")
    again = client.create_schedule({"name": "Pilates"}, idempotency_key="key-1")

    assert again == first
    assert (first["status"], first["revision"], first["timeZone"]) == (
        "ACTIVE",
        "1",
        wix_server.time_zone,
    )
    assert list(wix_server.schedules) == [first["id"]]


def test_a_schedule_location_without_its_type_is_refused(client):
    with pytest.raises(WixBadRequest, match=r"defaultLocation\.type"):
        client.create_schedule({"name": "Pilates", "defaultLocation": {"address": "Main St 1"}})


def test_bulk_cancel_reports_each_item(client, wix_server, schedule):
    event = seed_events(wix_server, schedule, 1)[0]

    results = client.bulk_cancel_events([event["id"], "missing"])

    assert [r["itemMetadata"]["success"] for r in results] == [True, False]
    assert results[0]["item"]["status"] == "CANCELLED"


def test_a_non_json_answer_is_unavailable():
    with respx.mock(base_url="http://wix.test") as mock:
        mock.get("/calendar/v3/events/view").mock(return_value=httpx.Response(200, text="<html>"))
        with (
            WixClient(base_url="http://wix.test", api_key="k", site_id="s") as client,
            pytest.raises(WixUnavailable),
        ):
            client.get_events_view()


def test_a_base_url_at_an_internal_address_fails_with_the_reason_and_is_not_retried(
    wix_server, client, sleeps, settings
):
    settings.EGRESS_ALLOW = []

    with pytest.raises(WixError, match=r"127\.0\.0\.1 is a loopback address") as refused:
        client.get_schedule("any")

    assert not isinstance(refused.value, WixUnavailable)  # the tasks retry only outages
    assert sleeps == []
    assert wix_server.requests == []
