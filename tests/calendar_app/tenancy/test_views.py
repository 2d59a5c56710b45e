"""The team page: owners add staff accounts, change roles, deactivate and reactivate members."""

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpRequest  # django-axes needs the request to authenticate
from django.urls import reverse

from calendar_app.models import ChangeRecord
from calendar_app.tenancy.models import Membership
from calendar_app.tenancy.services import set_membership_role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

TEAM = "calendar_app:team"
NEW_ACCOUNT = {
    "username": "maria",
    "email": "maria@example.com",
    "password": "lilac-harbour-42",
    "role": "staff",
}


def active_url(membership: Membership) -> str:
    return reverse("calendar_app:team_membership_active", args=[membership.pk])


def role_url(membership: Membership) -> str:
    return reverse("calendar_app:team_membership_role", args=[membership.pk])


# The list


def test_the_owner_sees_the_members_with_email_role_and_status(
    owner_client, owner_membership, staff_membership, outsider
):
    staff_membership.is_active = False
    staff_membership.save()

    response = owner_client.get(reverse(TEAM))

    content = response.content.decode()
    assert response.status_code == 200
    assert [m.user.username for m in response.context["members"]] == ["owner", "staff"]
    assert "staff@example.com" in content
    assert '<span class="badge cancelled">Inactive</span>' in content
    assert "outsider" not in content


def test_staff_get_a_403_on_the_team_page(staff_client, business):
    assert staff_client.get(reverse(TEAM)).status_code == 403
    assert staff_client.post(reverse(TEAM), NEW_ACCOUNT).status_code == 403
    assert not get_user_model().objects.filter(username="maria").exists()


def test_staff_cannot_change_roles_or_deactivate(staff_client, owner_membership):
    role = staff_client.post(role_url(owner_membership), {"role": "staff"})
    active = staff_client.post(active_url(owner_membership), {"is_active": "0"})

    owner_membership.refresh_from_db()
    assert (role.status_code, active.status_code) == (403, 403)
    assert owner_membership.is_owner
    assert owner_membership.is_active


def test_the_team_link_is_in_the_owner_s_settings_only(owner_client, staff, client):
    owner_settings = owner_client.get(reverse("calendar_app:settings"))
    client.force_login(staff)
    staff_settings = client.get(reverse("calendar_app:settings"))
    staff_calendar = client.get(reverse("calendar_app:calendar", args=["week"]))

    assert f'href="{reverse(TEAM)}"' in owner_settings.content.decode()
    assert f'href="{reverse(TEAM)}"' not in staff_settings.content.decode()
    assert f'href="{reverse(TEAM)}"' not in staff_calendar.content.decode()
    assert f'href="{reverse("calendar_app:event_create")}"' in staff_calendar.content.decode()


# Creating a staff account


def test_the_owner_creates_a_staff_account_that_can_log_in(owner_client, business, client):
    response = owner_client.post(reverse(TEAM), NEW_ACCOUNT)

    membership = Membership.objects.get(user__username="maria")
    assert response.status_code == 302
    assert response["Location"] == reverse(TEAM)
    assert (membership.business, membership.role, membership.is_active) == (
        business,
        "staff",
        True,
    )
    assert membership.user.email == "maria@example.com"
    assert ChangeRecord.objects.filter(
        object_type="Membership", object_id=str(membership.pk), action="create"
    ).exists()
    client.logout()
    assert client.login(request=HttpRequest(), username="maria", password="lilac-harbour-42")
    assert client.get(reverse("calendar_app:calendar", args=["week"])).status_code == 200
    assert client.get(reverse(TEAM)).status_code == 403


def test_a_weak_password_is_refused_and_the_input_kept(owner_client, business):
    response = owner_client.post(reverse(TEAM), {**NEW_ACCOUNT, "password": "password"})

    content = response.content.decode()
    assert response.status_code == 400
    assert "This password is too common." in content
    assert 'value="maria"' in content
    assert 'value="maria@example.com"' in content
    assert not get_user_model().objects.filter(username="maria").exists()


def test_a_taken_username_is_refused(owner_client, staff):
    response = owner_client.post(reverse(TEAM), {**NEW_ACCOUNT, "username": "STAFF"})

    assert response.status_code == 400
    assert "That username is taken" in response.content.decode()
    assert get_user_model().objects.filter(username__iexact="staff").count() == 1


def test_a_missing_field_is_shown_next_to_it(owner_client, business):
    response = owner_client.post(reverse(TEAM), {**NEW_ACCOUNT, "email": "not-an-email"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"email": ["Enter a valid email address."]}


# Deactivating and reactivating


def test_the_owner_deactivates_a_member_who_then_loses_access(
    owner_client, staff, staff_membership, client
):
    response = owner_client.post(active_url(staff_membership), {"is_active": "0"})

    staff_membership.refresh_from_db()
    assert response.status_code == 302
    assert not staff_membership.is_active
    assert ChangeRecord.objects.filter(
        object_id=str(staff_membership.pk), action="deactivate"
    ).exists()
    client.force_login(staff)
    assert client.get(reverse("calendar_app:calendar", args=["week"])).status_code == 404


def test_the_owner_reactivates_a_member(owner_client, staff_membership):
    staff_membership.is_active = False
    staff_membership.save()

    owner_client.post(active_url(staff_membership), {"is_active": "1"})

    staff_membership.refresh_from_db()
    assert staff_membership.is_active


def test_the_last_active_owner_cannot_deactivate_themself(owner_client, owner_membership):
    MembershipFactory(business=owner_membership.business, role="owner", is_active=False)

    response = owner_client.post(active_url(owner_membership), {"is_active": "0"})

    owner_membership.refresh_from_db()
    assert response.status_code == 409
    assert "owner is the last active owner of Demo Studio" in response.content.decode()
    assert owner_membership.is_active


def test_an_owner_can_step_out_when_another_owner_remains(owner_client, owner_membership):
    MembershipFactory(business=owner_membership.business, role="owner")

    response = owner_client.post(active_url(owner_membership), {"is_active": "0"})

    owner_membership.refresh_from_db()
    assert response["Location"] == reverse("calendar_app:home")
    assert not owner_membership.is_active


# Roles


def test_the_owner_makes_a_staff_member_an_owner(owner_client, staff_membership):
    response = owner_client.post(role_url(staff_membership), {"role": "owner"})

    staff_membership.refresh_from_db()
    assert response.status_code == 302
    assert staff_membership.is_owner
    assert ChangeRecord.objects.filter(
        object_id=str(staff_membership.pk), action="role_owner"
    ).exists()


def test_the_last_active_owner_cannot_demote_themself(owner_client, owner_membership):
    response = owner_client.post(role_url(owner_membership), {"role": "staff"})

    owner_membership.refresh_from_db()
    assert response.status_code == 409
    assert "Make another member an owner first." in response.content.decode()
    assert owner_membership.is_owner


def test_an_owner_can_step_down_when_another_owner_remains(
    owner_client, owner_membership, staff_membership
):
    set_membership_role(actor=owner_membership, membership=staff_membership, role="owner")

    response = owner_client.post(role_url(owner_membership), {"role": "staff"})

    owner_membership.refresh_from_db()
    assert response["Location"] == reverse("calendar_app:home")
    assert owner_membership.role == "staff"


def test_an_unknown_role_is_a_400(owner_client, staff_membership):
    response = owner_client.post(role_url(staff_membership), {"role": "admin"})

    staff_membership.refresh_from_db()
    assert response.status_code == 400
    assert "Choose owner or staff." in response.content.decode()
    assert staff_membership.role == "staff"


def test_member_actions_require_post(owner_client, staff_membership):
    assert owner_client.get(role_url(staff_membership)).status_code == 405
    assert owner_client.get(active_url(staff_membership)).status_code == 405


def test_another_business_s_membership_is_a_404(owner_client, outsider):
    theirs = outsider.memberships.get()

    role = owner_client.post(role_url(theirs), {"role": "staff"})
    active = owner_client.post(active_url(theirs), {"is_active": "0"})

    theirs.refresh_from_db()
    assert (role.status_code, active.status_code) == (404, 404)
    assert theirs.is_owner
    assert theirs.is_active


# Switching business


SWITCH = "calendar_app:switch_business"


@pytest.mark.parametrize("value", ["abc", "", "1.5", " 1", "99999999999999999999999"])
def test_switching_to_a_business_value_that_is_not_an_id_is_a_404(owner_client, business, value):
    response = owner_client.post(reverse(SWITCH), {"business": value})

    assert response.status_code == 404
    assert "business_id" not in owner_client.session


def test_switching_without_a_business_is_a_404(owner_client, business):
    assert owner_client.post(reverse(SWITCH)).status_code == 404


def test_switching_to_a_business_id_that_does_not_exist_is_a_404(owner_client, business):
    response = owner_client.post(reverse(SWITCH), {"business": business.pk + 1000})

    assert response.status_code == 404
    assert "business_id" not in owner_client.session


def test_switching_to_a_business_whose_membership_is_inactive_is_a_404(
    owner_client, owner, other_business
):
    MembershipFactory(user=owner, business=other_business, role="staff", is_active=False)

    response = owner_client.post(reverse(SWITCH), {"business": other_business.pk})

    assert response.status_code == 404
    assert "business_id" not in owner_client.session
