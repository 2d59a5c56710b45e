from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "calendar_app.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Follow the calendar's cancellations, tell the event page who was told, and list the
        Outbox (staff may open it too) and the owners' Notifications settings in the hub."""
        from calendar_app import extensions
        from calendar_app.notifications import receivers  # noqa: F401 (connects the signals)
        from calendar_app.notifications.hub import notifications_status, outbox_status
        from calendar_app.notifications.people import erase_person_messages, person_messages
        from calendar_app.notifications.selectors import event_messages, told_summary
        from calendar_app.tenancy import navigation

        extensions.event_notices.register(told_summary)
        extensions.event_messages.register(event_messages)
        extensions.person_messages.register(person_messages)
        extensions.erase_person_messages.register(erase_person_messages)
        navigation.register_settings_section(
            "Outbox", "notifications:outbox", outbox_status, order=35, owners_only=False
        )
        navigation.register_settings_section(
            "Notifications", "notifications:settings", notifications_status, order=34
        )
