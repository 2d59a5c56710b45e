from django.apps import AppConfig


class CalendarAppConfig(AppConfig):
    name = "calendar_app"
    verbose_name = "Calendar"

    def ready(self) -> None:
        from calendar_app.services import bulk
        from calendar_app.tasks import run_bulk_operation

        bulk.run_in_background.register(run_bulk_operation.delay)
