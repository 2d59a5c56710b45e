"""The owner's Wix actions: connecting a business to its Wix site (the settings page and the
command), the sync health page's buttons (run the backfill, resync now, retry a delivery or an
erasure), and carrying an owner's erase of a person to Wix, each queueing its Celery task once
the change is committed."""

from django.core.exceptions import ValidationError
from django.db import transaction

from calendar_app.audit import record_change
from calendar_app.tenancy.access import require_owner
from calendar_app.tenancy.models import Business, Membership
from calendar_app.wix import backfill, erasure, reconcile, tasks
from calendar_app.wix.deliveries import STORE
from calendar_app.wix.models import DEFAULT_BASE_URL, WebhookDelivery, WixConnection, WixErasure


def check_public_key(pem: str) -> str:
    """The webhook public key as PEM text, refused unless it is an RSA public key."""
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    pem = (pem or "").strip()
    try:
        key = load_pem_public_key(pem.encode())
    except ValueError as error:
        raise ValidationError(
            {"public_key_pem": "This is not a PEM public key (-----BEGIN PUBLIC KEY-----)."}
        ) from error
    if not isinstance(key, RSAPublicKey):
        raise ValidationError({"public_key_pem": "The webhook key must be an RSA public key."})
    return pem + "\n"


@transaction.atomic
def connect_wix(
    *,
    actor: Membership | None,
    business: Business,
    site_id: str,
    instance_id: str,
    public_key_pem: str,
    api_key: str = "",
    base_url: str = DEFAULT_BASE_URL,
    app_ids: list[str] | None = None,
    history_days: int = 30,
) -> WixConnection:
    """Create or change the business's connection and make Wix its calendar backend.

    An empty ``api_key`` keeps the stored one (the form never shows it back); a first connection
    needs one. Raises ``ValidationError`` keyed by field for bad input, writing nothing.
    """
    require_owner(actor, "connect the calendar to Wix")
    connection = WixConnection.objects.select_for_update().filter(business=business).first()
    errors = {}
    if not api_key and connection is None:
        errors["api_key"] = "Enter the API key of the Wix site."
    if not site_id.strip():
        errors["site_id"] = "Enter the Wix site id."
    if not instance_id.strip():
        errors["instance_id"] = "Enter the app instance id that the webhooks carry."
    elif (
        WixConnection.objects.filter(instance_id=instance_id.strip())
        .exclude(business=business)
        .exists()
    ):
        errors["instance_id"] = "Another business is already connected with this instance id."
    if not 0 <= history_days <= 3650:
        errors["history_days"] = "Read between 0 and 3650 days back."
    if errors:
        raise ValidationError(errors)
    values = {
        "base_url": base_url.rstrip("/") or DEFAULT_BASE_URL,
        "site_id": site_id.strip(),
        "instance_id": instance_id.strip(),
        "public_key_pem": check_public_key(public_key_pem),
        "app_ids": [app_id.strip() for app_id in app_ids or [] if app_id.strip()],
        "history_days": history_days,
    }
    if api_key:
        values["api_key"] = api_key.strip()
    if connection is None:
        connection = WixConnection.objects.create(business=business, **values)
        action = "connect"
    else:
        for name, value in values.items():
            setattr(connection, name, value)
        connection.save()
        action = "reconnect"
    Business.objects.filter(pk=business.pk).update(backend=Business.Backend.WIX)
    business.backend = Business.Backend.WIX
    record_change(
        business=business, actor=actor, obj=connection, action=action, revision_before=None
    )
    return connection


def start_backfill(*, connection: WixConnection) -> bool:
    """Queue the backfill unless one is queued or running already; True when it was queued."""
    if not backfill.request_backfill(connection=connection):
        return False
    tasks.backfill_connection.delay_on_commit(connection.pk)
    return True


def resync(*, connection: WixConnection) -> bool:
    """Resync now: queue a reconciliation asked for by the owner, unless one is queued or
    running already; True when it was queued."""
    run = reconcile.request_reconciliation(connection=connection, requested_by_user=True)
    if run is None:
        return False
    tasks.reconcile_connection.delay_on_commit(run.pk)
    return True


def retry_delivery(*, delivery: WebhookDelivery) -> bool:
    """Queue a failed or stalled delivery again (the health page's Retry); False when it is
    neither (applied meanwhile, say). Its attempts stay until the new attempt counts its own."""
    if not STORE.retry(delivery_pk=delivery.pk):
        return False
    tasks.apply_delivery.delay_on_commit(delivery.pk)
    return True


def erase_participation_copies(*, business: Business, participation_ids: list[str]) -> int:
    """``extensions.erase_participation_copies``: an owner erased a person, whose participations
    the business's Wix site keeps copies of; each copy is blanked there by a task queued when
    the erase commits (``erasure``). Returns how many copies it will reach."""
    pending = erasure.request_erasures(business=business, participation_ids=participation_ids)
    for erasure_pk in pending:
        tasks.erase_participation.delay_on_commit(erasure_pk)
    return len(pending)


def retry_erasure(*, failed: WixErasure) -> bool:
    """Queue a failed erasure again (the health page's Retry); False when it is not failed."""
    if not erasure.retry(erasure_pk=failed.pk):
        return False
    tasks.erase_participation.delay_on_commit(failed.pk)
    return True
