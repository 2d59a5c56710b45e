"""The Outbox and Notifications lines of the settings hub (registered from
``NotificationsConfig.ready``)."""

from calendar_app.notifications.models import SenderSetting
from calendar_app.notifications.selectors import outbox_health
from calendar_app.tenancy.models import Business


def outbox_status(business: Business) -> str:
    """What waits and what failed in the business's outbox (one query)."""
    health = outbox_health(business=business)
    if not (health["queued"] or health["failed"]):
        return "nothing waiting"
    return f"{health['queued']} waiting, {health['failed']} failed"


def notifications_status(business: Business) -> str:
    """Who the messages are signed by and where replies go (one query)."""
    setting = SenderSetting.objects.filter(business=business).first()
    name = (setting and setting.sender_name) or business.name
    line = f"sent as “{name}”"
    if setting and setting.reply_to:
        line += f", replies to {setting.reply_to}"
    return line
