"""Adding a participant from an existing customer: search as you type, pre-filled form, link."""

import uuid
from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from participants.models import Participation
from tests.factories import CustomerFactory, EventFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def event(schedule):
    return EventFactory(
        schedule=schedule,
        start_local=datetime.now() + timedelta(days=3),
        total_capacity=8,
    )


@pytest.fixture
def mia(business):
    return CustomerFactory(
        business=business, first_name="Mia", last_name="Member", email="mia@example.com"
    )


def dashboard(event):
    return reverse("participants:dashboard", args=[event.pk])


def test_searching_as_you_type_lists_matching_customers(owner_client, event, mia):
    CustomerFactory(business=mia.business, first_name="Tom", last_name="Other")

    response = owner_client.get(
        dashboard(event), {"customer_q": "mem"}, HTTP_HX_TARGET="customer-matches", **HTMX
    )

    page = response.content.decode()
    assert page.lstrip().startswith('<ul id="customer-matches"')
    assert "Mia Member" in page
    assert "Tom Other" not in page


def test_picking_a_customer_fills_the_add_form(owner_client, event, mia):
    response = owner_client.get(
        dashboard(event), {"customer": mia.pk}, HTTP_HX_TARGET="add-participant", **HTMX
    )

    page = response.content.decode()
    assert page.lstrip().startswith('<section id="add-participant"')
    assert 'value="Mia Member"' in page
    assert 'value="mia@example.com"' in page
    assert f'name="customer" value="{mia.pk}"' in page


def test_without_javascript_the_search_and_pick_are_plain_links(owner_client, event, mia):
    found = owner_client.get(dashboard(event), {"customer_q": "mia"}).content.decode()
    picked = owner_client.get(dashboard(event), {"customer": mia.pk}).content.decode()

    assert f'href="?customer={mia.pk}"' in found
    assert 'value="Mia Member"' in picked


def test_the_added_participant_is_linked_to_the_customer(owner_client, event, mia):
    owner_client.post(
        reverse("participants:add", args=[event.pk]),
        {
            "name": "Mia Member",
            "email": "mia@example.com",
            "party_size": "1",
            "status": "CONFIRMED",
            "idempotency_key": uuid.uuid4().hex,
            "customer": str(mia.pk),
        },
    )

    assert Participation.objects.get(event=event).customer == mia
    assert list(mia.participations.all()) == [Participation.objects.get(event=event)]


def test_another_businesss_customer_is_refused(owner_client, event, other_business):
    stranger = CustomerFactory(business=other_business)

    response = owner_client.post(
        reverse("participants:add", args=[event.pk]),
        {
            "name": "Someone",
            "party_size": "1",
            "status": "CONFIRMED",
            "idempotency_key": uuid.uuid4().hex,
            "customer": str(stranger.pk),
        },
    )

    assert response.status_code == 400
    assert "That customer does not exist" in response.content.decode()
    assert not Participation.objects.filter(event=event).exists()
    assert owner_client.get(dashboard(event), {"customer": stranger.pk}).status_code == 404
