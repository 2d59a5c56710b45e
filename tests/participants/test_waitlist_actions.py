"""The Waitlist section and attendance buttons over HTMX and as plain POSTs (no JavaScript)."""

import pytest
from django.urls import reverse

from calendar_app.models import ChangeRecord
from participants.models import Participation, WaitlistEntry, WaitlistSetting
from tests.factories import EventFactory, ParticipationFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def full_class(schedule):
    event = EventFactory(schedule=schedule, total_capacity=1, remaining_capacity=0)
    ParticipationFactory(event=event, name="Ann")
    return event


def join_url(event):
    return reverse("participants:waitlist_join", args=[event.pk])


def entry_url(name, entry):
    return reverse(f"participants:waitlist_{name}", args=[entry.event_id])


def wait(event, name, position):
    return WaitlistEntry.objects.create(
        business=event.business, event=event, name=name, position=position
    )


def test_a_full_class_offers_the_waitlist(owner_client, full_class):
    html = owner_client.get(reverse("participants:dashboard", args=[full_class.pk])).content
    assert b"Add to waitlist" in html
    assert b'id="waitlist"' in html


def test_a_class_with_places_offers_no_waitlist(owner_client, schedule):
    event = EventFactory(schedule=schedule, total_capacity=3)
    html = owner_client.get(reverse("participants:dashboard", args=[event.pk])).content.decode()
    assert "Add to waitlist" not in html


def test_joining_over_htmx_answers_the_section_with_the_person(owner_client, full_class):
    response = owner_client.post(
        join_url(full_class), {"name": "Cleo", "party_size": "1"}, headers=HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="waitlist"' in html and "Cleo" in html
    assert "Added Cleo to the waitlist." in html


def test_joining_without_javascript_redirects_to_the_dashboard(owner_client, full_class):
    response = owner_client.post(join_url(full_class), {"name": "Cleo", "party_size": "1"})

    assert response.status_code == 302
    assert WaitlistEntry.objects.filter(name="Cleo").exists()


def test_joining_twice_is_a_400_with_the_reason_and_changes_nothing(owner_client, full_class):
    wait(full_class, "Cleo", 1)

    response = owner_client.post(
        join_url(full_class), {"name": "cleo", "party_size": "1"}, headers=HTMX
    )

    assert response.status_code == 400
    assert "already on the waitlist" in response.content.decode()
    assert WaitlistEntry.objects.count() == 1


def test_move_up_reorders_the_section(owner_client, full_class):
    wait(full_class, "Cleo", 1)
    dan = wait(full_class, "Dan", 2)

    response = owner_client.post(entry_url("move", dan), {"entry": dan.pk}, headers=HTMX)

    html = response.content.decode()
    assert html.index("Dan") < html.index("Cleo")


def test_moving_to_a_position_out_of_range_is_a_400(owner_client, full_class):
    cleo = wait(full_class, "Cleo", 1)

    response = owner_client.post(
        entry_url("move", cleo), {"entry": cleo.pk, "to_position": "0"}, headers=HTMX
    )

    assert response.status_code == 400
    assert "between 1 and 1" in response.content.decode()


def test_remove_without_javascript_redirects(owner_client, full_class):
    cleo = wait(full_class, "Cleo", 1)

    response = owner_client.post(entry_url("remove", cleo), {"entry": cleo.pk})

    assert response.status_code == 302
    cleo.refresh_from_db()
    assert cleo.removed_date is not None


def test_another_business_s_entry_is_a_404(owner_client, full_class, other_business):
    elsewhere = EventFactory(schedule__business=other_business, total_capacity=1)
    entry = wait(elsewhere, "Zed", 1)

    url = reverse("participants:waitlist_remove", args=[full_class.pk])
    assert owner_client.post(url, {"entry": entry.pk}).status_code == 404
    assert owner_client.post(url).status_code == 404


def test_cancelling_over_htmx_adds_the_promoted_row_and_the_section(owner_client, full_class):
    wait(full_class, "Cleo", 1)
    wait(full_class, "Dan", 2)
    ann = Participation.objects.get(name="Ann")

    response = owner_client.post(
        reverse("participants:cancel", args=[full_class.pk, ann.pk]),
        {"revision": ann.revision},
        headers=HTMX,
    )

    html = response.content.decode()
    assert 'hx-swap-oob="beforeend:#participations-body"' in html
    assert "Cleo got a place from the waitlist." in html
    waitlist = html[html.index('id="waitlist"') :]
    assert "Dan" in waitlist and "Cleo" not in waitlist


def test_give_the_place_is_offered_in_offer_mode_when_a_place_is_free(owner_client, schedule):
    WaitlistSetting.objects.create(
        schedule=schedule, promotion=WaitlistSetting.Promotion.OFFER_TO_STAFF
    )
    event = EventFactory(schedule=schedule, total_capacity=2)
    ParticipationFactory(event=event, party_size=1)
    cleo = wait(event, "Cleo", 1)
    assert (
        b"Give the place"
        in owner_client.get(reverse("participants:dashboard", args=[event.pk])).content
    )

    response = owner_client.post(entry_url("give", cleo), {"entry": cleo.pk}, headers=HTMX)

    assert response.status_code == 200
    assert Participation.objects.filter(event=event, name="Cleo").exists()


# Attendance


def test_check_in_over_htmx_answers_the_row_with_an_undo(owner_client, full_class):
    ann = Participation.objects.get(name="Ann")
    url = reverse("participants:attendance", args=[full_class.pk, ann.pk])

    response = owner_client.post(url, {"attendance": "CHECKED_IN"}, headers=HTMX)

    html = response.content.decode()
    assert "Checked in" in html and "Undo checked in" in html
    ann.refresh_from_db()
    assert ann.attendance == "CHECKED_IN"


def test_no_show_and_undo_work_without_javascript(owner_client, full_class):
    ann = Participation.objects.get(name="Ann")
    url = reverse("participants:attendance", args=[full_class.pk, ann.pk])

    assert owner_client.post(url, {"attendance": "NO_SHOW"}).status_code == 302
    ann.refresh_from_db()
    assert ann.attendance == "NO_SHOW"
    assert owner_client.post(url, {"attendance": ""}).status_code == 302
    ann.refresh_from_db()
    assert ann.attendance == ""
    assert ChangeRecord.objects.filter(action="attendance").count() == 2


def test_check_in_everyone_over_htmx_answers_the_list(owner_client, schedule):
    event = EventFactory(schedule=schedule, total_capacity=5)
    ParticipationFactory.create_batch(3, event=event)

    response = owner_client.post(
        reverse("participants:check_in_everyone", args=[event.pk]), headers=HTMX
    )

    html = response.content.decode()
    assert "Checked in 3 participants." in html
    assert html.count("badge attendance checked-in") == 3


def test_an_owner_saves_the_waitlist_rules_over_htmx(owner_client, full_class):
    response = owner_client.post(
        reverse("participants:waitlist_rules", args=[full_class.pk]),
        {"limit": "2", "promotion": "OFFER_TO_STAFF"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "Saved the waitlist rules" in response.content.decode()
    setting = WaitlistSetting.objects.get(schedule=full_class.schedule)
    assert (setting.limit, setting.promotion) == (2, "OFFER_TO_STAFF")


def test_staff_see_no_waitlist_rules_and_may_not_post_them(staff_client, full_class):
    page = staff_client.get(reverse("participants:dashboard", args=[full_class.pk])).content
    assert b"Waitlist rules" not in page

    response = staff_client.post(
        reverse("participants:waitlist_rules", args=[full_class.pk]),
        {"limit": "2", "promotion": "AUTOMATIC"},
    )

    assert response.status_code == 403
    assert not WaitlistSetting.objects.exists()
