from django.apps import AppConfig


class ConferencingConfig(AppConfig):
    name = "calendar_app.conferencing"
    label = "conferencing"
    verbose_name = "Conferencing automation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from calendar_app import extensions
        from calendar_app.conferencing import receivers  # noqa: F401 (connects the signal)
        from calendar_app.conferencing.selectors import event_conferencing, meeting_for_event

        extensions.event_meeting.register(meeting_for_event)
        extensions.event_conferencing.register(event_conferencing)
