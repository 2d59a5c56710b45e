"""The API settings' writes check their actor: an owner of that business, nobody else."""

import pytest
from django.core.exceptions import PermissionDenied

from bookings.api import services
from bookings.models import ApiKey, WebhookSubscription
from tests.factories import ApiKeyFactory, WebhookSubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["outsider", "staff"])
def stranger(request, outsider, staff_membership):
    """An owner of another business, or a staff member of this one."""
    return outsider.memberships.get() if request.param == "outsider" else staff_membership


def test_only_an_owner_of_the_business_manages_its_keys_and_webhooks(business, stranger):
    key = ApiKeyFactory(business=business, raw_key="dk_kept")
    subscription = WebhookSubscriptionFactory(business=business)

    with pytest.raises(PermissionDenied):
        services.create_api_key(actor=stranger, business=business, name="Mine")
    with pytest.raises(PermissionDenied):
        services.revoke_api_key(actor=stranger, api_key=key)
    with pytest.raises(PermissionDenied):
        services.subscribe_webhook(actor=stranger, business=business, url="https://x.example/")
    with pytest.raises(PermissionDenied):
        services.unsubscribe_webhook(actor=stranger, subscription=subscription)

    assert list(ApiKey.objects.values_list("name", "revoked_date")) == [(key.name, None)]
    assert list(WebhookSubscription.objects.all()) == [subscription]


def test_the_owner_creates_a_key(business, owner_membership):
    api_key, raw_key = services.create_api_key(
        actor=owner_membership, business=business, name="Widget"
    )

    assert raw_key.startswith("dk_")
    assert api_key.business == business
