from django.apps import AppConfig


class WixConfig(AppConfig):
    """Calendar V3 upstream: a business mirrors its Wix calendar (own app, own migrations)."""

    name = "calendar_app.wix"
    label = "wix"
    verbose_name = "Wix Calendar V3"
