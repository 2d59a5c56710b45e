"""The Outbox line of the settings hub (registered from ``NotificationsConfig.ready``)."""

from calendar_app.notifications.selectors import outbox_health
from calendar_app.tenancy.models import Business


def outbox_status(business: Business) -> str:
    """What waits and what failed in the business's outbox (one query)."""
    health = outbox_health(business=business)
    if not (health["queued"] or health["failed"]):
        return "nothing waiting"
    return f"{health['queued']} waiting, {health['failed']} failed"
