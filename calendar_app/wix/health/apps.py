from django.apps import AppConfig


class WixHealthConfig(AppConfig):
    """What the sync health page counts: refused webhooks and reconciliation runs (own app so
    its migrations never meet the ``wix`` app's)."""

    name = "calendar_app.wix.health"
    label = "wix_health"
    verbose_name = "Wix sync health"
