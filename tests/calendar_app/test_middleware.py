"""The HTTP plumbing of every request: NUL bytes refused, unsafe requests atomic, ETags that
survive the CSRF mask, webhooks answered before the session and login middleware."""

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from calendar_app.middleware import (
    AtomicUnsafeRequestsMiddleware,
    RejectNulBytesMiddleware,
    WebhookMiddleware,
)
from calendar_app.models import ChangeRecord
from participants.models import Participation
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


# NUL bytes and atomic requests -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/events/%00/", "/schedules/a%00b/edit/", "/calendar/week/?date=2026-01-01%00"],
)
def test_a_nul_byte_in_the_address_is_a_400_with_a_message(owner_client, url):
    response = owner_client.get(url)

    assert response.status_code == 400
    assert "contains a NUL character" in response.content.decode()


def test_a_nul_byte_in_a_form_is_refused_before_anything_is_stored(owner_client, schedule):
    event = EventFactory(schedule=schedule)
    url = reverse("participants:add", args=[event.pk])

    response = owner_client.post(
        url, {"name": "Max", "party_size": "1", "status": "CONFIRMED", "q": "\x00"}, headers=HTMX
    )

    assert response.status_code == 400
    assert response.content.decode().startswith('<p class="error"')  # the fragment, not a page
    assert not Participation.objects.exists()


def test_a_multipart_post_s_raw_body_stays_readable_after_its_form_was_checked():
    """The webhooks and the JSON API read the raw body of a post that the NUL check has
    already parsed as a multipart form: Django raised RawPostDataException there before."""
    request = RequestFactory().post("/webhooks/magicline/", {"uuid": "abc"})  # multipart

    def view(request):
        assert request.POST["uuid"] == "abc"  # what the NUL check reads in process_view
        return HttpResponse(request.body)

    response = RejectNulBytesMiddleware(view)(request)

    assert b'name="uuid"' in response.content
    assert b"abc" in response.content


def test_a_request_that_fails_after_its_first_write_leaves_nothing_written(
    owner, schedule, settings
):
    """The probe's case: without the NUL check, the search after the add fails in PostgreSQL."""
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "calendar_app.middleware.RejectNulBytesMiddleware"
    ]
    event = EventFactory(schedule=schedule, total_capacity=5)
    client = Client(raise_request_exception=False)
    client.force_login(owner)

    response = client.post(
        reverse("participants:add", args=[event.pk]),
        {"name": "Max", "party_size": "1", "status": "CONFIRMED", "q": "a\x00b"},
        headers=HTMX,
    )

    assert response.status_code == 500
    assert not Participation.objects.exists()
    assert not ChangeRecord.objects.filter(object_type="Participation").exists()


def test_a_successful_post_is_committed(owner_client, schedule):
    event = EventFactory(schedule=schedule, total_capacity=5)

    owner_client.post(
        reverse("participants:add", args=[event.pk]),
        {"name": "Max", "party_size": "1", "status": "CONFIRMED"},
    )

    assert Participation.objects.filter(event=event, name="Max").exists()


# ETags a repeated page keeps, whatever the CSRF mask of each response


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_a_repeated_page_with_its_etag_is_a_304(owner, schedule):
    client = csrf_client(owner)
    page = reverse("calendar_app:schedules")
    first = client.get(page)
    second = client.get(page)

    again = client.get(page, headers={"If-None-Match": first["ETag"]})
    gzipped = client.get(
        page, headers={"If-None-Match": f"W/{first['ETag']}", "Accept-Encoding": "gzip"}
    )

    assert 'name="csrfmiddlewaretoken"' in first.content.decode()
    assert first.content != second.content  # the token is masked anew on every response
    assert first["ETag"] == second["ETag"]
    assert again.status_code == 304 and again.content == b""
    assert gzipped.status_code == 304


def test_the_page_kept_after_a_304_still_posts(owner, schedule):
    client = csrf_client(owner)
    page = reverse("calendar_app:schedules")
    kept = client.get(page)
    assert client.get(page, headers={"If-None-Match": kept["ETag"]}).status_code == 304
    token = kept.content.decode().split('name="csrfmiddlewaretoken" value="')[1][:64]

    response = client.post(
        reverse("calendar_app:switch_business"),
        {"csrfmiddlewaretoken": token, "business": schedule.business_id},
    )

    assert response.status_code == 302


def test_a_changed_page_or_another_csrf_secret_gets_the_whole_page(owner, schedule):
    client = csrf_client(owner)
    page = reverse("calendar_app:schedules")
    etag = client.get(page)["ETag"]
    schedule.name = "Renamed"
    schedule.save()

    changed = client.get(page, headers={"If-None-Match": etag})
    other = csrf_client(owner).get(page, headers={"If-None-Match": changed["ETag"]})

    assert changed.status_code == 200 and "Renamed" in changed.content.decode()
    assert other.status_code == 200  # its token would not unmask to this client's secret


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("url", "atomic"),
    [("/webhooks/wix/", False), ("/webhooks/magicline/", False), ("/no-such-page/", True)],
)
def test_only_a_view_marked_non_atomic_runs_its_post_outside_a_transaction(url, atomic):
    """The two webhooks commit their writes themselves (``non_atomic_requests``: with the
    database down they must answer 503, which a request transaction failing to open would
    not); every other POST, an unknown address too, runs in the request's transaction."""
    seen = []

    def view_stand_in(request):
        seen.append(connection.in_atomic_block)
        return HttpResponse()

    AtomicUnsafeRequestsMiddleware(view_stand_in)(RequestFactory().post(url))

    assert seen == [atomic]


# Webhooks, answered before the session, CSRF, login and page middleware

WEBHOOKS = pytest.mark.parametrize("url", ["/webhooks/wix/", "/webhooks/magicline/"])


def the_rest_of_the_stack(seen: list):
    def get_response(request):
        seen.append(request.path)
        return HttpResponse("the rest of the stack")

    return get_response


@WEBHOOKS
def test_a_webhook_is_answered_by_its_view_without_the_rest_of_the_stack(url):
    seen = []

    response = WebhookMiddleware(the_rest_of_the_stack(seen))(
        RequestFactory().post(url, b"", content_type="text/plain")
    )

    assert seen == []
    assert response.status_code in (400, 401)  # the view's refusal of an empty, keyless body


@pytest.mark.parametrize("url", ["/webhooks/", "/webhooks/no-such-upstream/", "/calendar/"])
def test_any_other_address_takes_the_whole_stack(url):
    seen = []

    response = WebhookMiddleware(the_rest_of_the_stack(seen))(RequestFactory().post(url))

    assert seen == [url]
    assert response.content == b"the rest of the stack"


@WEBHOOKS
def test_a_webhook_answer_still_carries_the_security_headers(url):
    response = Client().post(url, b"", content_type="text/plain")

    assert response.status_code in (400, 401)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response
    assert "Permissions-Policy" in response
    assert "Set-Cookie" not in response  # no session, no CSRF cookie


@WEBHOOKS
def test_a_webhook_from_an_unknown_host_is_refused_before_its_view(url):
    response = Client().post(url, b"", content_type="text/plain", headers={"Host": "evil.test"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")  # Django's 400, not the view's


@WEBHOOKS
def test_a_webhook_answers_only_a_post(url):
    assert Client().get(url).status_code == 405
