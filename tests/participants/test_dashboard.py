"""The dashboard page: header, list, search, series navigation, fragments, query count."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from calendar_app import services as calendar_services
from calendar_app.models import Event
from calendar_app.recurrence import weekly_rule
from participants.models import Participation
from participants.selectors import PAGE_SIZE
from tests.factories import (
    EventFactory,
    EventResourceFactory,
    ParticipationFactory,
    ResourceFactory,
)

pytestmark = pytest.mark.django_db


def url(event):
    return reverse("participants:dashboard", args=[event.pk])


@pytest.fixture
def event(schedule):
    return EventFactory(
        schedule=schedule,
        title="Evening Pilates",
        start_local=datetime(2026, 7, 1, 18, 30),
        duration=timedelta(minutes=45),
        total_capacity=8,
        location={"type": "BUSINESS", "name": "Studio A", "address": "Main St 1"},
        conferencing_details={
            "type": "CUSTOM",
            "hostUrl": "https://meet.example.com/host",
            "guestUrl": "https://meet.example.com/guest",
            "password": "s3cret-pass",
        },
    )


def test_it_shows_the_event_header_in_the_business_zone(owner_client, event, business):
    business.time_zone = "America/New_York"
    business.save()
    EventResourceFactory(event=event, resource=ResourceFactory(business=business, name="Mia"))
    ParticipationFactory(event=event, party_size=3)
    ParticipationFactory(event=event, party_size=2, cancelled_date=timezone.now())

    response = owner_client.get(url(event))

    assert response.status_code == 200
    html = response.content.decode()
    # 18:30 in Berlin (CEST) is 12:30 in New York (EDT).
    assert "Wednesday 1 July 2026, 12:30\u201313:15" in html
    assert "America/New_York" in html
    assert "Evening Pilates" in html
    assert "Classes" in html
    assert "Studio A, Main St 1" in html
    assert "Mia" in html
    assert "3 / 8" in html
    assert "5 free" in html
    assert "https://meet.example.com/host" in html
    assert "https://meet.example.com/guest" in html
    assert "s3cret-pass" not in html


def test_it_lists_participations_with_their_details(owner_client, event):
    ParticipationFactory(
        event=event,
        name="Jane Doe",
        email="jane@example.com",
        phone="+49 30 1234",
        party_size=2,
        status=Participation.Status.PENDING_CONFIRMATION,
        notes="Bring a mat",
    )
    cancelled = ParticipationFactory(event=event, name="Carl Cancel")
    cancelled.cancelled_date = cancelled.created_date
    cancelled.save()

    html = owner_client.get(url(event)).content.decode()

    for text in ("Jane Doe", "jane@example.com", "+49 30 1234", "Pending confirmation"):
        assert text in html
    assert "Bring a mat" in html
    assert "Carl Cancel" in html
    assert "Undo cancel" in html


def test_a_full_event_says_so(owner_client, event):
    ParticipationFactory(event=event, party_size=8)

    html = owner_client.get(url(event)).content.decode()

    assert "8 / 8" in html
    assert "Full" in html


def test_an_unlimited_event_shows_places_used_without_a_limit(owner_client, schedule):
    event = EventFactory(schedule=schedule, total_capacity=None, remaining_capacity=None)
    ParticipationFactory(event=event, party_size=4)

    html = owner_client.get(url(event)).content.decode()

    assert "no limit" in html
    assert "<strong>4</strong>" in html


def test_search_filters_the_list_by_name_email_or_phone(owner_client, event):
    ParticipationFactory(event=event, name="Jane Doe", email="jd@example.com", phone="111")
    ParticipationFactory(event=event, name="Max Muster", email="max@example.org", phone="222")

    by_name = owner_client.get(url(event), {"q": "jane"}).content.decode()
    by_email = owner_client.get(url(event), {"q": "example.org"}).content.decode()
    by_phone = owner_client.get(url(event), {"q": "222"}).content.decode()

    assert "Jane Doe" in by_name and "Max Muster" not in by_name
    assert "Max Muster" in by_email and "Jane Doe" not in by_email
    assert "Max Muster" in by_phone and "Jane Doe" not in by_phone
    assert 'value="jane"' in by_name


def test_an_active_search_is_posted_with_the_add_form(owner_client, event):
    html = owner_client.get(url(event), {"q": "jane"}).content.decode()

    assert '<form id="add-participant-form"' in html
    assert '<input type="hidden" name="q" value="jane" form="add-participant-form">' in html


def test_search_over_htmx_returns_only_the_list_fragment(owner_client, event):
    ParticipationFactory(event=event, name="Jane Doe")
    ParticipationFactory(event=event, name="Max Muster")

    response = owner_client.get(
        url(event), {"q": "max"}, headers={"HX-Request": "true", "HX-Target": "participations"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="participations">')
    assert "Max Muster" in html and "Jane Doe" not in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_request_gets_the_whole_page(owner_client, event):
    response = owner_client.get(
        url(event),
        headers={
            "HX-Request": "true",
            "HX-Target": "participations",
            "HX-History-Restore-Request": "true",
        },
    )

    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_the_full_page_varies_on_hx_request(owner_client, event):
    response = owner_client.get(url(event))

    assert "HX-Request" in response["Vary"]
    assert '<meta name="htmx-config"' in response.content.decode()


def test_the_add_form_carries_a_fresh_idempotency_key(owner_client, event):
    first = owner_client.get(url(event)).context["add_form"]["idempotency_key"].value()
    second = owner_client.get(url(event)).context["add_form"]["idempotency_key"].value()

    assert first and second and first != second


@pytest.fixture
def series(schedule, owner_membership):
    start = datetime(2026, 6, 1, 9, 0)  # a Monday
    return calendar_services.create_event(
        actor=None,  # the system: a member's series may start at most 90 days ago
        schedule=schedule,
        title="Morning yoga",
        start_local=start,
        end_local=start + timedelta(hours=1),
        recurrence_rule=weekly_rule(day="MONDAY"),
        total_capacity=6,
    )


def occurrences(master):
    return list(Event.objects.filter(recurring_event_id=master.id).order_by("start"))


def test_an_occurrence_links_to_the_previous_and_next_occurrence(owner_client, series):
    first, second, third = occurrences(series)[:3]

    html = owner_client.get(url(second)).content.decode()

    assert f'href="{url(first)}" rel="prev"' in html
    assert f'href="{url(third)}" rel="next"' in html
    assert "Mon 1 Jun, 09:00" in html
    assert "Mon 15 Jun, 09:00" in html


def test_the_first_occurrence_has_no_previous_link(owner_client, series):
    first, second = occurrences(series)[:2]

    html = owner_client.get(url(first)).content.decode()

    assert 'rel="prev"' not in html
    assert f'href="{url(second)}" rel="next"' in html


def test_each_occurrence_has_its_own_participants(owner_client, series):
    first, second = occurrences(series)[:2]
    ParticipationFactory(event=first, name="Only Monday One")

    html = owner_client.get(url(second)).content.decode()

    assert "Only Monday One" not in html


def test_a_series_id_leads_to_an_occurrence(owner_client, series):
    response = owner_client.get(url(series))

    assert response.status_code == 302
    target = Event.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[-1])
    assert target.recurring_event_id == series.pk


def test_a_one_off_event_has_no_series_navigation(owner_client, event):
    html = owner_client.get(url(event)).content.decode()

    assert "series-nav" not in html


def test_staff_sees_the_dashboard(staff_client, event):
    assert staff_client.get(url(event)).status_code == 200


def test_another_business_s_event_is_a_404(client, outsider, event):
    client.force_login(outsider)

    assert client.get(url(event)).status_code == 404


def test_an_unknown_event_is_a_404(owner_client):
    assert owner_client.get("/participants/events/nope/").status_code == 404


def test_it_requires_login(client, event):
    response = client.get(url(event))

    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def fill(event, count):
    Participation.objects.bulk_create(
        [
            Participation(
                business_id=event.business_id, event=event, name=f"Guest {n}", party_size=1
            )
            for n in range(count)
        ]
    )


@pytest.mark.parametrize("count", [10, 1000])
def test_the_dashboard_runs_a_constant_number_of_queries(
    owner_client, event, count, django_assert_num_queries
):
    fill(event, count)

    with django_assert_num_queries(11):  # 8 + the waitlist (setting, who waits) + messages
        response = owner_client.get(url(event))

    assert response.content.decode().count('class="participation') == min(count, PAGE_SIZE)


@pytest.mark.parametrize("count", [10, 1000])
def test_an_occurrence_s_dashboard_runs_a_constant_number_of_queries(
    owner_client, series, count, django_assert_num_queries
):
    occurrence = occurrences(series)[1]
    fill(occurrence, count)

    with django_assert_num_queries(13):  # 10 + the waitlist (setting, who waits) + messages
        response = owner_client.get(url(occurrence))

    assert response.status_code == 200


# Paging, load more, search over every row


def test_the_dashboard_lists_the_first_page_and_counts_everyone(owner_client, event):
    fill(event, PAGE_SIZE + 5)

    html = owner_client.get(url(event)).content.decode()

    assert html.count('class="participation') == PAGE_SIZE
    assert "Guest 0<" in html and f"Guest {PAGE_SIZE}<" not in html
    assert f"Showing 1\N{EN DASH}{PAGE_SIZE} of {PAGE_SIZE + 5}." in html
    assert f"{PAGE_SIZE + 5} / 8" in html  # the capacity counts every row, not the page
    assert 'rel="next" href="?page=2"' in html


def test_without_javascript_the_next_page_link_shows_the_next_rows(owner_client, event):
    fill(event, PAGE_SIZE + 5)

    html = owner_client.get(url(event), {"page": 2}).content.decode()

    assert html.count('class="participation') == 5
    assert f"Guest {PAGE_SIZE}<" in html and "Guest 0<" not in html
    assert f"Showing {PAGE_SIZE + 1}\N{EN DASH}{PAGE_SIZE + 5} of {PAGE_SIZE + 5}." in html
    assert 'rel="prev"' in html and 'rel="next"' not in html


def test_load_more_over_htmx_appends_the_next_page_and_moves_the_button(owner_client, event):
    fill(event, 2 * PAGE_SIZE + 1)

    response = owner_client.get(
        url(event), {"page": 2}, headers={"HX-Request": "true", "HX-Target": "load-more"}
    )

    html = response.content.decode()
    assert "<html" not in html
    assert '<tbody hx-swap-oob="beforeend:#participations-body">' in html
    assert html.count('class="participation') == PAGE_SIZE
    assert f"Guest {PAGE_SIZE}<" in html and f"Guest {2 * PAGE_SIZE}<" not in html
    assert '<p id="load-more"' in html
    assert f"Showing 1\N{EN DASH}{2 * PAGE_SIZE} of {2 * PAGE_SIZE + 1}." in html
    assert f"{url(event)}?page=3" in html


def test_the_last_page_offers_no_more(owner_client, event):
    fill(event, PAGE_SIZE + 1)

    html = owner_client.get(
        url(event), {"page": 2}, headers={"HX-Request": "true", "HX-Target": "load-more"}
    ).content.decode()

    assert html.count('class="participation') == 1
    assert "Load more" not in html


def test_a_page_number_out_of_range_is_the_last_page_and_junk_the_first(owner_client, event):
    fill(event, PAGE_SIZE + 1)

    beyond = owner_client.get(url(event), {"page": 99})
    junk = owner_client.get(url(event), {"page": "x'"})

    assert beyond.status_code == junk.status_code == 200
    assert beyond.content.decode().count('class="participation') == 1
    assert junk.content.decode().count('class="participation') == PAGE_SIZE


def test_search_covers_every_row_and_pages_its_matches(owner_client, event):
    fill(event, 2 * PAGE_SIZE)
    ParticipationFactory(event=event, name="Zoe Late")  # the very last row

    found = owner_client.get(
        url(event), {"q": "zoe"}, headers={"HX-Request": "true", "HX-Target": "participations"}
    ).content.decode()
    guests = owner_client.get(url(event), {"q": "guest"}).content.decode()

    assert "Zoe Late" in found and "1 match for “zoe”." in found
    assert f"{2 * PAGE_SIZE} matches for “guest”." in guests
    assert guests.count('class="participation') == PAGE_SIZE
    assert 'rel="next" href="?page=2&amp;q=guest"' in guests


def test_a_row_on_a_later_page_opens_for_editing_on_its_own_page(owner_client, event):
    fill(event, PAGE_SIZE)
    late = ParticipationFactory(event=event, name="Zoe Late")

    html = owner_client.get(reverse("participants:edit", args=[event.pk, late.pk])).content.decode()

    assert 'aria-label="Edit Zoe Late"' in html
    assert "Showing 51\N{EN DASH}51 of 51." in html


def test_rows_carry_no_csrf_token_of_their_own(owner_client, event):
    fill(event, 3)

    html = owner_client.get(url(event)).content.decode()

    # row actions, add form, the waitlist rules (owners), log out
    assert html.count('name="csrfmiddlewaretoken"') == 4
    # per row: check in, no-show, cancel; and "Check in everyone"
    assert html.count('form="row-action"') == 3 * 3 + 1
    assert '<form id="row-action" method="post" hidden>' in html


def test_a_row_s_cancel_button_works_without_javascript(owner, event):
    participation = ParticipationFactory(event=event, name="Jane")
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    html = client.get(url(event)).content.decode()
    form = html[html.index('<form id="row-action"') :]
    token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    response = client.post(
        reverse("participants:cancel", args=[event.pk, participation.pk]),
        {"csrfmiddlewaretoken": token, "revision": participation.revision},
    )

    assert response.status_code == 302
    participation.refresh_from_db()
    assert participation.is_cancelled


def test_without_javascript_a_row_link_lands_on_the_page_that_has_the_row(owner_client, event):
    fill(event, PAGE_SIZE)
    late = ParticipationFactory(event=event, name="Zoe Late")

    response = owner_client.get(reverse("participants:row", args=[event.pk, late.pk]))

    assert response.status_code == 302
    assert response.url == f"{url(event)}?page=2#p-{late.pk}"
    assert "Zoe Late" in owner_client.get(response.url).content.decode()
