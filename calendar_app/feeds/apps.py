from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "calendar_app.feeds"
    label = "feeds"
    verbose_name = "Calendar feeds"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Show the Subscribe page in the settings hub, to staff too (they may open it)."""
        from calendar_app.feeds.hub import feeds_status
        from calendar_app.tenancy import navigation

        navigation.register_settings_section(
            "Subscribe", "feeds:subscribe", feeds_status, order=30, owners_only=False
        )
