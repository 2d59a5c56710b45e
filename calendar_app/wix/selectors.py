"""Reads of a business's Wix connection."""

from calendar_app.models import Business
from calendar_app.wix.models import WixConnection


def connection_for(business: Business) -> WixConnection | None:
    return WixConnection.objects.filter(business=business).first()


def form_initial(connection: WixConnection | None) -> dict:
    """What the settings form starts with: everything but the API key, which is never sent back."""
    if connection is None:
        return {}
    return {
        "base_url": connection.base_url,
        "site_id": connection.site_id,
        "instance_id": connection.instance_id,
        "public_key_pem": connection.public_key_pem,
        "app_ids": ", ".join(connection.app_ids),
        "history_days": connection.history_days,
    }
