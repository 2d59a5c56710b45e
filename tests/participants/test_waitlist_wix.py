"""Promotion for a Wix-connected business: the place is written through to the upstream; when
the upstream refuses it, the person stays waiting and the change that freed the place stands."""

from datetime import timedelta

import pytest
from django.urls import reverse

from calendar_app import services as calendar_services
from calendar_app.models import Event
from calendar_app.wix.apply import apply_remote_event, apply_remote_schedule
from participants import services
from participants.models import Participation, WaitlistEntry
from tests.factories import MembershipFactory, WixConnectionFactory, days_ahead_at_ten

pytestmark = pytest.mark.django_db

START = days_ahead_at_ten(3)


@pytest.fixture
def owner(wix_server):
    connection = WixConnectionFactory(
        base_url=wix_server.base_url, api_key=wix_server.api_key, site_id=wix_server.site_id
    )
    return MembershipFactory(business=connection.business, role="owner")


@pytest.fixture
def full_class(wix_server, owner):
    """An upstream class of one place, taken by Ann, with Cleo waiting."""
    schedule = wix_server.add_schedule(name="Yoga")
    apply_remote_schedule(connection=owner.business.wix_connection, data=schedule, source="t")
    data = wix_server.add_event(
        schedule_id=schedule["id"],
        start_local=START,
        end_local=START + timedelta(hours=1),
        total_capacity=1,
    )
    apply_remote_event(connection=owner.business.wix_connection, data=data, source="t")
    event = Event.objects.get(pk=data["id"])
    services.add_participation(actor=owner, event=event, name="Ann")
    services.join_waitlist(actor=owner, event=event, name="Cleo")
    return Event.objects.get(pk=event.pk)


def upstream_names(wix_server) -> list[str]:
    return sorted(p["participant"]["name"] for p in wix_server.participations.values())


def test_a_promotion_is_written_through_to_wix(wix_server, owner, full_class):
    ann = Participation.objects.get(name="Ann")

    services.cancel_participation(actor=owner, participation=ann, expected_revision=ann.revision)

    assert upstream_names(wix_server) == ["Cleo"]
    cleo = WaitlistEntry.objects.get(name="Cleo")
    assert cleo.participation is not None
    assert cleo.participation.pk in wix_server.participations


def test_a_promotion_wix_refuses_leaves_the_person_waiting(wix_server, owner, full_class):
    wix_server.script(400, path="/calendar/v3/participations")  # e.g. full upstream

    calendar_services.update_event(
        actor=owner,
        event=full_class,
        expected_revision=full_class.revision,
        changes={"total_capacity": 2},
    )

    assert Event.objects.get(pk=full_class.pk).total_capacity == 2
    assert upstream_names(wix_server) == ["Ann"]
    cleo = WaitlistEntry.objects.get(name="Cleo")
    assert cleo.is_waiting
    assert "refused" in cleo.refused_reason


def test_the_dashboard_says_why_a_person_is_still_waiting(client, wix_server, owner, full_class):
    WaitlistEntry.objects.filter(name="Cleo").update(refused_reason="The class is full.")
    client.force_login(owner.user)

    html = client.get(reverse("participants:dashboard", args=[full_class.pk])).content.decode()

    assert "A freed place could not be given: The class is full." in html
