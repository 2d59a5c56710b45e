"""The login form refuses accounts that may not work in any business, and says why."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from calendar_app.tenancy.forms import DEACTIVATED, NO_BUSINESS
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def log_in(client, username):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def test_an_active_member_logs_in(client, staff):
    response = log_in(client, "staff")

    assert response.status_code == 302
    assert response.url == reverse("calendar_app:home")


def test_an_overlong_username_is_refused_without_trying_it(client, staff):
    response = log_in(client, "x" * 100_000)

    assert response.status_code == 200
    assert response.context["form"].errors["username"] == ["A username has at most 150 characters."]
    assert not AccessAttempt.objects.exists()


def test_a_deactivated_member_is_refused_with_a_message(client, staff, staff_membership):
    staff_membership.is_active = False
    staff_membership.save()

    response = log_in(client, "staff")

    assert response.status_code == 200
    assert DEACTIVATED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_account_without_a_business_is_refused_with_a_message(client, db):
    UserFactory(username="loner")

    response = log_in(client, "loner")

    assert NO_BUSINESS.replace("'", "&#x27;") in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_superuser_without_a_business_lands_on_the_admin(client, db):
    UserFactory(username="root", is_superuser=True, is_staff=True)

    log_in(client, "root")
    response = client.get(reverse("calendar_app:home"))

    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_a_403_is_a_styled_page_with_the_app_s_navigation_and_a_way_back(staff_client):
    response = staff_client.get(reverse("calendar_app:team"))

    content = response.content.decode()
    assert response.status_code == 403
    assert '<nav class="topnav">' in content
    assert "Only an owner can do this." in content
    assert f'href="{reverse("calendar_app:home")}">Back to the calendar' in content


def test_a_404_is_a_styled_page_with_a_way_back(owner_client, settings):
    settings.DEBUG = False

    response = owner_client.get(reverse("calendar_app:event_detail", args=["nope"]))

    content = response.content.decode()
    assert response.status_code == 404
    assert "This page does not exist" in content
    assert '<nav class="topnav">' in content
