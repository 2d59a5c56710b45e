from django.apps import AppConfig


class ConferencingConfig(AppConfig):
    name = "calendar_app.conferencing"
    label = "conferencing"
    verbose_name = "Conferencing automation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Follow the calendar's signals, answer the core's conferencing hooks and give the
        settings hub its line (the core never imports this app)."""
        from calendar_app import extensions
        from calendar_app.conferencing import receivers  # noqa: F401 (connects the signals)
        from calendar_app.conferencing.hub import conferencing_status
        from calendar_app.conferencing.selectors import (
            automation_links_to_forget,
            event_conferencing,
            meeting_for_event,
        )
        from calendar_app.tenancy import navigation

        extensions.links_to_forget_on_cancel.register(automation_links_to_forget)
        extensions.event_conferencing.register(event_conferencing)
        extensions.event_meeting.register(meeting_for_event)
        navigation.register_settings_section(
            "Conferencing", "conferencing:settings", conferencing_status, order=70
        )
