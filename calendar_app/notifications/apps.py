from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "calendar_app.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Follow the calendar's cancellations and tell the event page who was told."""
        from calendar_app import extensions
        from calendar_app.notifications import receivers  # noqa: F401 (connects the signals)
        from calendar_app.notifications.selectors import told_summary

        extensions.event_notices.register(told_summary)
