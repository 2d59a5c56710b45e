from django.apps import AppConfig


class WixConfig(AppConfig):
    """Calendar V3 upstream: a business mirrors its Wix calendar (own app, own migrations)."""

    name = "calendar_app.wix"
    label = "wix"
    verbose_name = "Wix Calendar V3"

    def ready(self) -> None:
        from calendar_app.tenancy import navigation
        from calendar_app.wix.selectors import not_connected_notice

        navigation.backend_notice.register(not_connected_notice)
