"""Dashboard actions over HTMX and as plain POSTs: add, edit, cancel, undo, export."""

import csv
import io
import re
import uuid
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from calendar_app.models import Event
from participants.models import Participation
from tests.factories import EventFactory, ParticipationFactory, ScheduleFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def event(schedule):
    return EventFactory(
        schedule=schedule,
        title="Spin class",
        start_local=datetime(2026, 7, 1, 18, 0),
        total_capacity=4,
    )


@pytest.fixture
def participation(event):
    return ParticipationFactory(
        event=event, name="Jane Doe", email="jane@example.com", phone="111", party_size=1
    )


def dashboard_url(event):
    return reverse("participants:dashboard", args=[event.pk])


def add_url(event):
    return reverse("participants:add", args=[event.pk])


def action_url(name, participation):
    return reverse(f"participants:{name}", args=[participation.event_id, participation.pk])


def add_data(**overrides):
    data = {
        "name": "Max Muster",
        "email": "max@example.com",
        "phone": "+49 30 555",
        "party_size": "2",
        "status": "CONFIRMED",
        "notes": "First visit",
        "idempotency_key": uuid.uuid4().hex,
    }
    data.update(overrides)
    return data


def edit_data(participation, **overrides):
    data = {
        "name": participation.name,
        "email": participation.email,
        "phone": participation.phone,
        "party_size": str(participation.party_size),
        "status": participation.status,
        "notes": participation.notes,
        "revision": str(participation.revision),
    }
    data.update(overrides)
    return data


# Add


def test_adding_over_htmx_returns_a_fresh_form_the_new_row_and_the_capacity(owner_client, event):
    response = owner_client.post(add_url(event), add_data(), headers=HTMX)

    assert response.status_code == 200
    participation = Participation.objects.get(event=event)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="add-participant"')
    assert 'hx-swap-oob="beforeend:#participations-body"' in html
    assert f'id="p-{participation.pk}"' in html
    assert '<span id="capacity" class="capacity" hx-swap-oob="true">' in html
    assert "2 / 4" in html
    assert "Added Max Muster (party of 2)." in html
    assert 'value="Max Muster"' not in html  # the form is empty again
    assert "HX-Request" in response["Vary"]
    assert Event.objects.get(pk=event.pk).remaining_capacity == 2


def test_adding_without_javascript_redirects_to_the_dashboard(owner_client, event):
    response = owner_client.post(add_url(event), add_data(name="Jane Roe"))

    participation = Participation.objects.get(event=event)
    assert response.status_code == 302
    assert response.url == f"{dashboard_url(event)}#p-{participation.pk}"
    page = owner_client.get(response.url).content.decode()
    assert "Added Jane Roe (party of 2)." in page
    assert "Jane Roe" in page


def test_a_double_submitted_add_creates_one_participation(owner_client, event):
    data = add_data()

    first = owner_client.post(add_url(event), data)
    second = owner_client.post(add_url(event), data)

    assert first.status_code == second.status_code == 302
    assert Participation.objects.filter(event=event).count() == 1
    assert "was already added" in owner_client.get(dashboard_url(event)).content.decode()


def test_a_double_submitted_htmx_add_does_not_append_the_row_twice(owner_client, event):
    data = add_data()
    owner_client.post(add_url(event), data, headers=HTMX)

    second = owner_client.post(add_url(event), data, headers=HTMX)

    html = second.content.decode()
    assert second.status_code == 200
    assert "beforeend:#participations-body" not in html
    assert "Max Muster was already added." in html
    assert Participation.objects.filter(event=event).count() == 1


def test_an_htmx_add_during_a_search_re_renders_the_list_with_that_search(owner_client, event):
    ParticipationFactory(event=event, name="Jane Doe")
    ParticipationFactory(event=event, name="Max Power")

    response = owner_client.post(add_url(event), add_data(q=" max "), headers=HTMX)

    html = response.content.decode()
    added = Participation.objects.get(name="Max Muster")
    assert response.status_code == 200
    assert '<div id="participations" hx-swap-oob="true">' in html
    assert "beforeend:#participations-body" not in html
    assert "2 matches for “max”." in html
    assert f'id="p-{added.pk}"' in html
    assert "Max Power" in html and "Jane Doe" not in html
    assert "Added Max Muster (party of 2)." in html
    assert "Not listed" not in html


def test_an_htmx_add_that_misses_the_search_is_not_listed_and_says_so(owner_client, event):
    ParticipationFactory(event=event, name="Jane Doe")

    response = owner_client.post(add_url(event), add_data(q="jane"), headers=HTMX)

    html = response.content.decode()
    added = Participation.objects.get(name="Max Muster")
    assert response.status_code == 200
    assert "1 match for “jane”." in html
    assert f'id="p-{added.pk}"' not in html
    assert "Added Max Muster (party of 2). Not listed: it does not match “jane”." in html
    assert "3 / 4" in html


@pytest.mark.parametrize("count", [5, 200])
def test_an_htmx_add_during_a_search_runs_a_constant_number_of_queries(
    owner_client, event, count, django_assert_num_queries
):
    Participation.objects.bulk_create(
        [
            Participation(business_id=event.business_id, event=event, name=f"Max {n}")
            for n in range(count)
        ]
    )
    event.total_capacity = None
    event.save()

    # 17 + the savepoint of the atomic request + whether the business uses conferencing
    # + the confirmation notice (its address's unsubscribe check and its outbox row)
    # + 6 for the customer directory (the person: read, savepoint, insert, release; the link)
    with django_assert_num_queries(28):
        response = owner_client.post(add_url(event), add_data(q="max"), headers=HTMX)

    assert f"{count + 1} matches for “max”." in response.content.decode()


def test_an_invalid_add_over_htmx_is_a_400_that_keeps_the_input(owner_client, event):
    response = owner_client.post(
        add_url(event),
        add_data(name="", email="not-an-email", party_size="0", notes="Keep me"),
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert html.lstrip().startswith('<section id="add-participant"')
    assert "This field is required." in html
    assert "Enter a valid email address." in html
    assert "Ensure this value is greater than or equal to 1." in html
    assert 'value="not-an-email"' in html
    assert "Keep me" in html
    assert not Participation.objects.exists()


def test_an_invalid_add_without_javascript_re_renders_the_page_with_errors(owner_client, event):
    response = owner_client.post(add_url(event), add_data(email="nope", name="Kept Name"))

    html = response.content.decode()
    assert response.status_code == 400
    assert "<html" in html
    assert "Enter a valid email address." in html
    assert 'value="Kept Name"' in html


def test_an_add_beyond_capacity_says_how_many_places_are_left(owner_client, event):
    ParticipationFactory(event=event, party_size=2)

    response = owner_client.post(add_url(event), add_data(party_size="3"), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Only 2 places left; this party needs 3." in html
    assert 'value="3"' in html
    assert Participation.objects.filter(event=event).count() == 1


def test_an_add_to_a_full_event_says_it_is_full(owner_client, event):
    ParticipationFactory(event=event, party_size=4)

    response = owner_client.post(add_url(event), add_data(party_size="1"))

    assert response.status_code == 400
    assert "This event is full (4 places taken)." in response.content.decode()


def test_a_cancelled_event_takes_no_new_participants(owner_client, event):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)

    page = owner_client.get(dashboard_url(event)).content.decode()
    response = owner_client.post(add_url(event), add_data(), headers=HTMX)

    assert "it takes no new participants" in page
    assert response.status_code == 400
    assert "This event is cancelled; it takes no participants." in response.content.decode()
    assert not Participation.objects.exists()


def test_adding_requires_post(owner_client, event):
    assert owner_client.get(add_url(event)).status_code == 405


def test_adding_requires_a_csrf_token(owner, event):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    response = client.post(add_url(event), add_data())

    assert response.status_code == 403
    assert not Participation.objects.exists()


# Edit


def test_opening_the_inline_edit_returns_the_edit_row(owner_client, participation):
    response = owner_client.get(action_url("edit", participation), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="p-{participation.pk}" class="participation editing">')
    assert 'name="revision" value="1"' in html
    assert 'value="Jane Doe"' in html
    assert "HX-Request" in response["Vary"]


def test_opening_the_edit_without_javascript_shows_the_page_with_the_row_in_edit_mode(
    owner_client, participation
):
    response = owner_client.get(action_url("edit", participation))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert 'class="participation editing"' in html


def test_saving_an_inline_edit_returns_the_row_and_the_new_capacity(owner_client, participation):
    response = owner_client.post(
        action_url("edit", participation),
        edit_data(participation, party_size="3", notes="Needs a towel"),
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="p-{participation.pk}" class="participation">')
    assert '<td data-label="Party size" class="party-size">3</td>' in html
    assert "3 / 4" in html
    assert 'hx-swap-oob="true"' in html
    participation.refresh_from_db()
    assert (participation.party_size, participation.notes, participation.revision) == (
        3,
        "Needs a towel",
        2,
    )


def test_saving_an_edit_without_javascript_redirects(owner_client, participation):
    response = owner_client.post(
        action_url("edit", participation), edit_data(participation, phone="999")
    )

    assert response.status_code == 302
    participation.refresh_from_db()
    assert participation.phone == "999"


def test_an_invalid_edit_is_a_400_that_keeps_the_input(owner_client, participation):
    response = owner_client.post(
        action_url("edit", participation),
        edit_data(participation, email="broken", notes="typed notes"),
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid email address." in html
    assert 'value="broken"' in html
    assert "typed notes" in html
    participation.refresh_from_db()
    assert participation.email == "jane@example.com"


def test_an_edit_beyond_capacity_is_refused_next_to_the_party_size(owner_client, participation):
    ParticipationFactory(event=participation.event, party_size=2)

    response = owner_client.post(
        action_url("edit", participation), edit_data(participation, party_size="4"), headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Only 2 places left; this party needs 4." in html
    participation.refresh_from_db()
    assert participation.party_size == 1


def test_a_stale_edit_returns_the_conflict_fragment_and_overwrites_nothing(
    owner_client, participation
):
    stale = edit_data(participation, name="My version", party_size="2")
    Participation.objects.filter(pk=participation.pk).update(
        name="Their version", revision=2, notes="Changed elsewhere"
    )

    response = owner_client.post(action_url("edit", participation), stale, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 409
    assert "changed since you opened it" in html
    assert "Their version" in html
    assert "Changed elsewhere" in html
    assert "Discard my changes" in html
    assert action_url("row", participation) in html
    participation.refresh_from_db()
    assert (participation.name, participation.party_size, participation.revision) == (
        "Their version",
        1,
        2,
    )


def test_a_stale_edit_without_javascript_shows_the_conflict_on_the_page(
    owner_client, participation
):
    stale = edit_data(participation, name="My version")
    Participation.objects.filter(pk=participation.pk).update(name="Their version", revision=2)

    response = owner_client.post(action_url("edit", participation), stale)

    html = response.content.decode()
    assert response.status_code == 409
    assert "<html" in html
    assert "changed since you opened it" in html


def test_a_stale_edit_keeps_what_the_user_typed_at_the_current_revision(
    owner_client, participation
):
    stale = edit_data(participation, name="My version", party_size="2", notes="My notes")
    Participation.objects.filter(pk=participation.pk).update(name="Their version", revision=2)

    response = owner_client.post(action_url("edit", participation), stale, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 409
    assert 'value="My version"' in html
    assert 'value="2"' in html
    assert "My notes" in html
    assert 'name="revision" value="2"' in html
    assert "Save my changes" in html


def test_saving_the_kept_changes_after_a_conflict_overwrites_deliberately(
    owner_client, participation
):
    stale = edit_data(participation, name="My version", party_size="2")
    Participation.objects.filter(pk=participation.pk).update(name="Their version", revision=2)
    conflict = owner_client.post(action_url("edit", participation), stale, headers=HTMX)
    kept = re.search(r'name="revision" value="(\d+)"', conflict.content.decode())

    response = owner_client.post(
        action_url("edit", participation), {**stale, "revision": kept[1]}, headers=HTMX
    )

    assert response.status_code == 200
    participation.refresh_from_db()
    assert (participation.name, participation.party_size, participation.revision) == (
        "My version",
        2,
        3,
    )


def test_a_stale_edit_without_javascript_keeps_the_input_on_the_page(owner_client, participation):
    stale = edit_data(participation, name="My version")
    Participation.objects.filter(pk=participation.pk).update(name="Their version", revision=2)

    response = owner_client.post(action_url("edit", participation), stale)

    html = response.content.decode()
    assert response.status_code == 409
    assert 'value="My version"' in html
    assert 'name="revision" value="2"' in html


def test_a_party_cannot_grow_on_a_cancelled_event(owner_client, participation):
    Event.objects.filter(pk=participation.event_id).update(status=Event.Status.CANCELLED)

    response = owner_client.post(
        action_url("edit", participation), edit_data(participation, party_size="2"), headers=HTMX
    )

    assert response.status_code == 400
    assert "This event is cancelled; a party cannot grow." in response.content.decode()
    participation.refresh_from_db()
    assert participation.party_size == 1


def test_the_row_url_returns_the_stored_row(owner_client, participation):
    response = owner_client.get(action_url("row", participation), headers=HTMX)

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith(f'<tr id="p-{participation.pk}"')


def test_the_row_url_without_javascript_redirects_to_the_dashboard(owner_client, participation):
    response = owner_client.get(action_url("row", participation))

    assert response.status_code == 302
    assert response.url.startswith(dashboard_url(participation.event))


def test_a_cancelled_participation_opens_no_edit_form(owner_client, participation):
    Participation.objects.filter(pk=participation.pk).update(cancelled_date=timezone.now())

    response = owner_client.get(action_url("edit", participation), headers=HTMX)

    assert response.status_code == 400
    assert "Undo the cancel" in response.content.decode()


# Cancel and undo


def test_cancelling_over_htmx_updates_the_row_and_the_capacity(owner_client, participation):
    response = owner_client.post(
        action_url("cancel", participation), {"revision": "1"}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="participation cancelled"' in html
    assert "Undo cancel" in html
    assert "0 / 4" in html
    participation.refresh_from_db()
    assert participation.is_cancelled


def test_the_cancel_button_asks_for_confirmation(owner_client, participation):
    ParticipationFactory(event=participation.event, name="Max Muster", party_size=3)

    html = owner_client.get(dashboard_url(participation.event)).content.decode()

    assert 'hx-confirm="Cancel the participation of Jane Doe?"' in html
    assert 'hx-confirm="Cancel the participation of Max Muster (party of 3)?"' in html


def test_status_lines_name_a_party_and_not_a_lone_participant(owner_client, event):
    jane = ParticipationFactory(event=event, name="Jane Doe", party_size=1)
    group = ParticipationFactory(event=event, name="Max Muster", party_size=2)

    alone = owner_client.post(
        action_url("cancel", jane), {"revision": jane.revision}, headers=HTMX
    ).content.decode()
    party = owner_client.post(
        action_url("cancel", group), {"revision": group.revision}, headers=HTMX
    ).content.decode()

    assert "Cancelled Jane Doe." in alone
    assert "Cancelled Max Muster (party of 2)." in party


def test_undo_over_htmx_restores_the_row(owner_client, participation):
    owner_client.post(action_url("cancel", participation), {"revision": "1"}, headers=HTMX)

    response = owner_client.post(
        action_url("restore", participation), {"revision": "2"}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="participation"' in html
    assert "1 / 4" in html
    participation.refresh_from_db()
    assert not participation.is_cancelled


def test_cancel_and_undo_without_javascript_redirect(owner_client, participation):
    cancel = owner_client.post(action_url("cancel", participation), {"revision": "1"})
    undo = owner_client.post(action_url("restore", participation), {"revision": "2"})

    assert cancel.status_code == undo.status_code == 302
    participation.refresh_from_db()
    assert not participation.is_cancelled
    assert participation.revision == 3


def test_undo_when_the_places_are_gone_says_why(owner_client, participation):
    owner_client.post(action_url("cancel", participation), {"revision": "1"})
    ParticipationFactory(event=participation.event, party_size=4)

    response = owner_client.post(
        action_url("restore", participation), {"revision": "2"}, headers=HTMX
    )

    assert response.status_code == 400
    assert "Cannot undo: this event is full" in response.content.decode()
    participation.refresh_from_db()
    assert participation.is_cancelled


def test_a_stale_cancel_is_a_conflict(owner_client, participation):
    Participation.objects.filter(pk=participation.pk).update(revision=5)

    response = owner_client.post(
        action_url("cancel", participation), {"revision": "1"}, headers=HTMX
    )

    assert response.status_code == 409
    assert "changed since you opened it" in response.content.decode()
    participation.refresh_from_db()
    assert not participation.is_cancelled


def test_a_cancel_without_a_revision_is_a_400(owner_client, participation):
    response = owner_client.post(action_url("cancel", participation), {}, headers=HTMX)

    assert response.status_code == 400
    participation.refresh_from_db()
    assert not participation.is_cancelled


@pytest.mark.parametrize("name", ["cancel", "restore"])
def test_cancel_and_undo_require_post(owner_client, participation, name):
    assert owner_client.get(action_url(name, participation)).status_code == 405


# Staff may manage participants


def test_staff_may_add_edit_cancel_undo_and_export(staff_client, event):
    staff_client.post(add_url(event), add_data(party_size="1"))
    participation = Participation.objects.get(event=event)

    edit = staff_client.post(
        action_url("edit", participation), edit_data(participation, party_size="2")
    )
    cancel = staff_client.post(action_url("cancel", participation), {"revision": "2"})
    undo = staff_client.post(action_url("restore", participation), {"revision": "3"})
    export = staff_client.get(reverse("participants:export", args=[event.pk]))

    assert [edit.status_code, cancel.status_code, undo.status_code] == [302, 302, 302]
    assert export.status_code == 200
    participation.refresh_from_db()
    assert (participation.party_size, participation.revision, participation.is_cancelled) == (
        2,
        4,
        False,
    )


# Tenant isolation


@pytest.fixture
def outsider_client(client, outsider):
    client.force_login(outsider)
    return client


def every_request(participation):
    event_id = participation.event_id
    return [
        ("get", reverse("participants:dashboard", args=[event_id]), {}),
        ("get", reverse("participants:export", args=[event_id]), {}),
        ("post", reverse("participants:add", args=[event_id]), add_data()),
        ("get", action_url("row", participation), {}),
        ("get", action_url("edit", participation), {}),
        ("post", action_url("edit", participation), edit_data(participation, name="Hijack")),
        ("post", action_url("cancel", participation), {"revision": "1"}),
        ("post", action_url("restore", participation), {"revision": "1"}),
    ]


@pytest.mark.parametrize("htmx", [False, True])
def test_another_business_s_ids_are_a_404_on_every_action(outsider_client, participation, htmx):
    headers = HTMX if htmx else {}
    for method, url, data in every_request(participation):
        response = getattr(outsider_client, method)(url, data, headers=headers)
        assert response.status_code == 404, (method, url)

    participation.refresh_from_db()
    assert (participation.name, participation.revision) == ("Jane Doe", 1)
    assert Participation.objects.count() == 1


@pytest.mark.parametrize("who", ["owner", "staff"])
@pytest.mark.parametrize("htmx", [False, True])
def test_blocked_time_is_a_404_on_every_action(client, request, business, who, htmx):
    client.force_login(request.getfixturevalue(who))
    blocked = EventFactory(
        schedule=ScheduleFactory(business=business, is_blocked_time=True),
        type=Event.Type.DEFAULT,
    )
    participation = ParticipationFactory(event=blocked, name="Jane Doe")
    headers = HTMX if htmx else {}

    for method, url, data in every_request(participation):
        response = getattr(client, method)(url, data, headers=headers)
        assert response.status_code == 404, (method, url)

    participation.refresh_from_db()
    assert (participation.name, participation.revision) == ("Jane Doe", 1)
    assert Participation.objects.count() == 1


def test_a_participation_of_another_event_is_a_404(owner_client, participation, schedule):
    other_event = EventFactory(schedule=schedule)
    for name in ("row", "edit", "cancel", "restore"):
        url = reverse(f"participants:{name}", args=[other_event.pk, participation.pk])
        method = owner_client.get if name in ("row", "edit") else owner_client.post
        assert method(url, {"revision": "1"}).status_code == 404, name

    participation.refresh_from_db()
    assert participation.revision == 1


def test_another_business_s_participation_under_my_event_is_a_404(
    owner_client, event, other_business
):
    foreign_event = EventFactory(schedule__business=other_business)
    foreign = ParticipationFactory(event=foreign_event)

    url = reverse("participants:cancel", args=[event.pk, foreign.pk])
    assert owner_client.post(url, {"revision": "1"}).status_code == 404
    foreign.refresh_from_db()
    assert not foreign.is_cancelled


# CSV export


def export(client, event) -> bytes:
    """The whole streamed CSV export of the event."""
    response = client.get(reverse("participants:export", args=[event.pk]))
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content)


def test_the_csv_export_lists_everyone_with_times_in_the_business_zone(owner_client, event):
    jane = ParticipationFactory(
        event=event,
        name="Jane Doe",
        email="jane@example.com",
        phone="111",
        party_size=2,
        notes='=HYPERLINK("x")',
    )
    Participation.objects.filter(pk=jane.pk).update(
        created_date=datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    )
    gone = ParticipationFactory(event=event, name="Max Gone")
    Participation.objects.filter(pk=gone.pk).update(
        cancelled_date=datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    )

    response = owner_client.get(reverse("participants:export", args=[event.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="participants-spin-class-2026-07-01.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "Name",
        "Email",
        "Phone",
        "Party size",
        "Status",
        "Notes",
        "Added",
        "Cancelled",
    ]
    assert rows[1] == [
        "Jane Doe",
        "jane@example.com",
        "111",
        "2",
        "Confirmed",
        '\'=HYPERLINK("x")',
        "2026-06-01 10:00",
        "",
    ]
    assert rows[2][0] == "Max Gone"
    assert rows[2][7] == "2026-06-02 10:00"


HOSTILE_CELLS = [
    "=cmd|' /C calc'!A0",
    "x;=cmd|' /C calc'!A0",
    "x,=1+1",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    'a"b;"=1',
    "line\n=2",
]


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_no_exported_cell_can_become_a_formula_with_either_separator(
    owner_client, event, delimiter
):
    for number, hostile in enumerate(HOSTILE_CELLS):
        ParticipationFactory(event=event, name=f"P{number}", notes=hostile, phone=hostile)

    body = export(owner_client, event)
    text = io.StringIO(body.decode("utf-8-sig"), newline="")
    rows = list(csv.reader(text, delimiter=delimiter))

    cells = [cell for row in rows for cell in row]
    assert len(cells) >= len(HOSTILE_CELLS)
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    if delimiter == ",":  # the file's own separator: each hostile value is one whole text cell
        assert all(len(row) == len(rows[0]) for row in rows)
        notes = sorted(row[5].replace("\u200e", "") for row in rows[1:])
        assert notes == sorted(
            f"'{hostile}" if hostile[0] in "=+-@\t\r" else hostile for hostile in HOSTILE_CELLS
        )


def test_every_exported_cell_is_quoted(owner_client, event):
    ParticipationFactory(event=event, name="Jane", notes="Jane; Max, Anna")

    body = export(owner_client, event).decode()

    assert '"Jane"' in body
    assert '"Jane; Max, Anna"' in body
    assert '"1"' in body  # the party size too


def test_a_phone_number_stays_readable_without_a_visible_apostrophe(owner_client, event):
    ParticipationFactory(event=event, name="Jane", phone="+49 30 1234")
    ParticipationFactory(event=event, name="Max", phone="+1 (555) 010-2000 x12")

    body = export(owner_client, event)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))

    # An invisible left-to-right mark, then the number as it was typed.
    assert [row[2] for row in rows[1:]] == ["\u200e+49 30 1234", "\u200e+1 (555) 010-2000 x12"]
