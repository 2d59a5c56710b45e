"""Owners' writes for the API: keys made and revoked, webhook URLs subscribed and removed.

Each write checks that its actor is an owner of the business and records its audit entry here,
in the same place as the change.
"""

from django.db import transaction
from django.utils import timezone

from bookings.api.auth import key_hash, new_key
from bookings.models import ApiKey, WebhookSubscription
from calendar_app.audit import record_change
from calendar_app.tenancy.access import require_owner
from calendar_app.tenancy.models import Business, Membership


@transaction.atomic
def create_api_key(
    *, actor: Membership | None, business: Business, name: str
) -> tuple[ApiKey, str]:
    """A new key for the facility; the raw key is returned once and never stored."""
    require_owner(actor, "create API keys", business_id=business.pk)
    raw_key = new_key()
    api_key = ApiKey.objects.create(
        business=business, name=name, key_hash=key_hash(raw_key), prefix=raw_key[:8]
    )
    record_change(
        business=business, actor=actor, obj=api_key, action="create", revision_before=None
    )
    return api_key, raw_key


@transaction.atomic
def revoke_api_key(*, actor: Membership | None, api_key: ApiKey) -> ApiKey:
    """The key answers 401 from now on (revoking twice changes nothing)."""
    require_owner(actor, "revoke API keys", business_id=api_key.business_id)
    if api_key.revoked_date is None:
        api_key.revoked_date = timezone.now()
        api_key.save(update_fields=["revoked_date"])
        record_change(
            business=api_key.business,
            actor=actor,
            obj=api_key,
            action="revoke",
            revision_before=None,
        )
    return api_key


@transaction.atomic
def subscribe_webhook(
    *, actor: Membership | None, business: Business, url: str
) -> WebhookSubscription:
    """Send the facility's booking events to ``url``, each with a key made for this URL."""
    require_owner(actor, "subscribe webhooks", business_id=business.pk)
    subscription = WebhookSubscription.objects.create(business=business, url=url, api_key=new_key())
    record_change(
        business=business, actor=actor, obj=subscription, action="create", revision_before=None
    )
    return subscription


@transaction.atomic
def unsubscribe_webhook(*, actor: Membership | None, subscription: WebhookSubscription) -> None:
    """No more deliveries to this URL (deliveries already queued find it gone and stop)."""
    require_owner(actor, "remove webhooks", business_id=subscription.business_id)
    record_change(
        business=subscription.business,
        actor=actor,
        obj=subscription,
        action="delete",
        revision_before=None,
    )
    subscription.delete()
