"""The current business: chosen per session among the user's active memberships."""

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_user_in_two_businesses_can_switch_between_them(owner_client, owner, other_business):
    MembershipFactory(user=owner, business=other_business, role="staff")

    response = owner_client.post(
        reverse("calendar_app:switch_business"), {"business": other_business.pk}
    )

    assert response.status_code == 302
    assert owner_client.session["business_id"] == other_business.pk


def test_it_refuses_to_switch_into_a_business_the_user_does_not_belong_to(
    owner_client, other_business, business
):
    response = owner_client.post(
        reverse("calendar_app:switch_business"), {"business": other_business.pk}
    )

    assert response.status_code == 404
    assert owner_client.session.get("business_id") != other_business.pk


def test_a_deactivated_membership_no_longer_opens_the_business(client, business):
    membership = MembershipFactory(business=business, role="staff", is_active=False)
    client.force_login(membership.user)

    response = client.get(reverse("calendar_app:calendar", args=["week"]))

    assert response.status_code == 404


def test_switching_requires_post(owner_client, business):
    response = owner_client.get(reverse("calendar_app:switch_business"))

    assert response.status_code == 405
