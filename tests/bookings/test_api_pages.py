"""The owner's API settings page: keys shown once and revoked, webhook URLs added and removed."""

import pytest
from django.test import Client
from django.urls import reverse

from bookings.api.auth import key_hash
from bookings.models import ApiKey, WebhookSubscription
from calendar_app.models import ChangeRecord
from tests.factories import ApiKeyFactory, WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("api_settings:page")


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_may_not_see_or_make_keys(staff_client):
    assert staff_client.get(PAGE).status_code == 403
    assert staff_client.post(reverse("api_settings:key_create"), {"name": "X"}).status_code == 403
    assert not ApiKey.objects.exists()


def test_the_page_lists_keys_by_their_start_only(owner_client, business):
    ApiKeyFactory(business=business, name="Website", raw_key="dk_abcdefgh-secret-rest")

    page = owner_client.get(PAGE).content.decode()

    assert "Website" in page
    assert "dk_abcde…" in page
    assert "secret-rest" not in page


def test_a_new_key_is_shown_once_and_opens_the_api(owner_client, business, owner_membership):
    response = owner_client.post(reverse("api_settings:key_create"), {"name": "Booking widget"})

    assert response.status_code == 200
    raw_key = response.context["new_secret"].key
    assert raw_key in response.content.decode()
    stored = ApiKey.objects.get()
    assert (stored.business, stored.name) == (business, "Booking widget")
    assert stored.key_hash == key_hash(raw_key)
    assert raw_key not in owner_client.get(PAGE).content.decode()
    assert Client(headers={"X-API-KEY": raw_key}).head("/api/v1/customers").status_code == 200
    assert ChangeRecord.objects.filter(object_type="ApiKey", action="create").count() == 1


def test_a_key_needs_a_name(owner_client):
    response = owner_client.post(reverse("api_settings:key_create"), {"name": "  "})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_a_revoked_key_no_longer_opens_the_api(owner_client, business):
    key = ApiKeyFactory(business=business, raw_key="dk_to-revoke")

    response = owner_client.post(reverse("api_settings:key_revoke", args=[key.pk]))

    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_date is not None
    assert (
        Client(headers={"X-API-KEY": "dk_to-revoke"}).head("/api/v1/customers").status_code == 401
    )
    assert "Revoked" in owner_client.get(PAGE).content.decode()


def test_another_business_s_key_cannot_be_revoked(owner_client, other_business):
    theirs = ApiKeyFactory(business=other_business)

    response = owner_client.post(reverse("api_settings:key_revoke", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_date is None


def test_revoking_needs_a_post(owner_client, business):
    key = ApiKeyFactory(business=business)

    assert owner_client.get(reverse("api_settings:key_revoke", args=[key.pk])).status_code == 405


def test_a_webhook_gets_its_own_key_shown_once(owner_client, business):
    response = owner_client.post(
        reverse("api_settings:webhook_create"), {"url": "https://hooks.example.com/bookings"}
    )

    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.business == business
    assert subscription.url == "https://hooks.example.com/bookings"
    assert subscription.api_key in response.content.decode()
    page = owner_client.get(PAGE).content.decode()
    assert "https://hooks.example.com/bookings" in page
    assert subscription.api_key not in page


@pytest.mark.parametrize("url", ["", "not a url", "ftp://example.com/x", "javascript:alert(1)"])
def test_a_bad_webhook_url_is_refused(owner_client, url):
    response = owner_client.post(reverse("api_settings:webhook_create"), {"url": url})

    assert response.status_code == 400
    assert not WebhookSubscription.objects.exists()


def test_a_webhook_can_be_removed(owner_client, business):
    subscription = WebhookSubscriptionFactory(business=business)

    response = owner_client.post(reverse("api_settings:webhook_delete", args=[subscription.pk]))

    assert response.status_code == 302
    assert not WebhookSubscription.objects.exists()


def test_another_business_s_webhook_cannot_be_removed(owner_client, other_business):
    theirs = WebhookSubscriptionFactory(business=other_business)

    response = owner_client.post(reverse("api_settings:webhook_delete", args=[theirs.pk]))

    assert response.status_code == 404
    assert WebhookSubscription.objects.filter(pk=theirs.pk).exists()


def test_the_api_page_links_the_published_contract(owner_client):
    page = owner_client.get(PAGE).content.decode()
    assert f'href="{reverse("api:docs")}"' in page
    assert f'href="{reverse("api:openapi")}"' in page
