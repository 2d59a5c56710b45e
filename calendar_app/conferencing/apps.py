from django.apps import AppConfig


class ConferencingConfig(AppConfig):
    name = "calendar_app.conferencing"
    label = "conferencing"
    verbose_name = "Conferencing automation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from calendar_app.conferencing import receivers  # noqa: F401 (connects the signal)
