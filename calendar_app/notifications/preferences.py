"""The owner's choices for the notices: the business's sender and each schedule's reminders."""

from datetime import timedelta

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from calendar_app.models import Schedule
from calendar_app.notifications.models import ReminderSetting, SenderSetting
from calendar_app.tenancy.access import require_owner
from calendar_app.tenancy.models import Business, Membership


@transaction.atomic
def save_sender(
    *,
    actor: Membership,
    business: Business,
    sender_name: str,
    reply_to: str,
    footer_address: str,
    footer_phone: str,
) -> SenderSetting:
    """Store how the business's messages are signed (owners only); used from the next message
    sent, including those already queued."""
    require_owner(actor, "change how messages are signed", business_id=business.pk)
    setting, _created = SenderSetting.objects.update_or_create(
        business=business,
        defaults={
            "sender_name": sender_name.strip(),
            "reply_to": reply_to.strip(),
            "footer_address": footer_address.strip(),
            "footer_phone": footer_phone.strip(),
            "updated_date": timezone.now(),
        },
    )
    return setting


@transaction.atomic
def set_reminders(
    *,
    actor: Membership,
    business: Business,
    schedule_id: str,
    enabled: bool,
    lead_time: timedelta,
) -> ReminderSetting:
    """Switch a schedule's reminders and set their lead time (owners only); reminders already
    written keep their time. Another business's schedule is a 404."""
    require_owner(actor, "change reminders", business_id=business.pk)
    schedule = Schedule.objects.filter(pk=schedule_id, business=business).first()
    if schedule is None:
        raise Http404("No such schedule.")
    setting, _created = ReminderSetting.objects.update_or_create(
        schedule=schedule, defaults={"enabled": enabled, "lead_time": lead_time}
    )
    return setting
