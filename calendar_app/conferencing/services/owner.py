"""The owner's conferencing settings: which schedules or services get a meeting automatically,
and the Google credentials for Google Meet; each change is audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings.models import BookableAppointment
from calendar_app.audit import record_change
from calendar_app.conferencing.models import ConferencingAutomation, GoogleCredentials, Provider
from calendar_app.models import Schedule
from calendar_app.tenancy.access import require_owner
from calendar_app.tenancy.models import Business, Membership


@transaction.atomic
def set_automation(
    *,
    actor: Membership | None,
    business: Business,
    enabled: bool,
    provider: str,
    schedule: Schedule | None = None,
    appointment: BookableAppointment | None = None,
) -> ConferencingAutomation:
    """Switch "add a meeting automatically" for one schedule or one service, with its provider.

    Google Meet needs the business's Google credentials first. Existing meetings keep their
    provider; the choice applies to meetings made from now on.
    """
    require_owner(actor, "change the conferencing settings")
    if (schedule is None) == (appointment is None):
        raise ValidationError("Choose one schedule or one service.")
    target = schedule or appointment
    if target.business_id != business.pk:
        raise ValidationError("Choose a schedule or service of this business.")
    if provider not in Provider.values:
        raise ValidationError({"provider": "Choose a meeting provider."})
    if (
        enabled
        and provider == Provider.GOOGLE_MEET
        and not GoogleCredentials.objects.filter(business=business).exists()
    ):
        raise ValidationError(
            {"provider": "Enter the Google credentials below before choosing Google Meet."}
        )
    key = {"schedule": schedule} if schedule is not None else {"appointment": appointment}
    automation, created = ConferencingAutomation.objects.select_for_update().get_or_create(
        business=business, **key, defaults={"enabled": enabled, "provider": provider}
    )
    if not created:
        automation.enabled, automation.provider = enabled, provider
        automation.updated_date = timezone.now()
        automation.save(update_fields=["enabled", "provider", "updated_date"])
    record_change(
        business=business,
        actor=actor,
        obj=automation,
        action="create" if created else "update",
        revision_before=None,
        changes={"enabled": [None, enabled], "provider": [None, provider]},
    )
    return automation


@transaction.atomic
def save_google_credentials(
    *,
    actor: Membership | None,
    business: Business,
    client_id: str,
    client_secret: str = "",
    refresh_token: str = "",
    calendar_id: str = "primary",
) -> GoogleCredentials:
    """Store the business's Google OAuth client and refresh token.

    An empty secret or token keeps the stored one (the form never shows them back); the first
    save needs both. New credentials drop the cached access token. Raises ``ValidationError``
    keyed by field, writing nothing.
    """
    require_owner(actor, "change the conferencing settings")
    stored = GoogleCredentials.objects.select_for_update().filter(business=business).first()
    errors = {}
    if not client_id.strip():
        errors["client_id"] = "Enter the OAuth client id."
    if stored is None and not client_secret.strip():
        errors["client_secret"] = "Enter the OAuth client secret."
    if stored is None and not refresh_token.strip():
        errors["refresh_token"] = "Enter the refresh token."
    if errors:
        raise ValidationError(errors)
    values = {
        "client_id": client_id.strip(),
        "calendar_id": calendar_id.strip() or "primary",
        "access_token": "",
        "access_token_expires": None,
        "updated_date": timezone.now(),
    }
    if client_secret.strip():
        values["client_secret"] = client_secret.strip()
    if refresh_token.strip():
        values["refresh_token"] = refresh_token.strip()
    if stored is None:
        stored = GoogleCredentials.objects.create(business=business, **values)
        action = "connect"
    else:
        for name, value in values.items():
            setattr(stored, name, value)
        stored.save()
        action = "reconnect"
    record_change(business=business, actor=actor, obj=stored, action=action, revision_before=None)
    return stored
