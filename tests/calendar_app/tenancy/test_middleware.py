"""Login for every page (HTMX-aware) and the current business, chosen per session among the
user's active memberships."""

from urllib.parse import quote

import pytest
from django.conf import settings
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


# Login required, for HTMX requests too

WEEK = reverse("calendar_app:calendar", args=["week"])
MONTH = reverse("calendar_app:calendar", args=["month"])


def login_url(next_path: str) -> str:
    return f"{reverse(settings.LOGIN_URL)}?next={quote(next_path)}"


def test_an_htmx_request_without_a_session_asks_for_a_full_page_login(client, business):
    response = client.get(
        f"{WEEK}?date=2026-06-08",
        headers={
            "HX-Request": "true",
            "HX-Current-URL": f"http://testserver{MONTH}?date=2026-06-01",
        },
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == login_url(f"{MONTH}?date=2026-06-01")
    assert "Location" not in response
    assert response.content == b""


def test_without_hx_current_url_the_login_returns_to_the_requested_page(client, business):
    response = client.get(f"{WEEK}?date=2026-06-08", headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == login_url(f"{WEEK}?date=2026-06-08")


def test_an_hx_current_url_of_another_site_is_not_used_as_next(client, business):
    response = client.post(
        reverse("calendar_app:event_cancel", args=["e1"]),
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/calendar/"},
    )

    assert response["HX-Redirect"] == login_url(reverse("calendar_app:event_cancel", args=["e1"]))


def test_a_plain_request_without_a_session_is_still_redirected_to_log_in(client, business):
    response = client.get(WEEK, headers={"HX-Current-URL": f"http://testserver{MONTH}"})

    assert response.status_code == 302
    assert response["Location"] == login_url(WEEK)
    assert "HX-Redirect" not in response


def test_a_signed_in_htmx_request_gets_its_fragment(owner_client, business):
    response = owner_client.get(WEEK, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "HX-Redirect" not in response
    fragment = response.content.decode()
    assert '<section id="calendar-body"' in fragment
    assert "<html" not in fragment and "<body" not in fragment  # the fragment, not the page


def test_the_login_page_itself_needs_no_login_for_htmx_either(client, db):
    response = client.get(reverse(settings.LOGIN_URL), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "HX-Redirect" not in response
