from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Appointments"

    def ready(self) -> None:
        """Show the Resources and API pages in the settings hub."""
        from bookings.hub import api_status, resources_status
        from calendar_app.tenancy import navigation

        navigation.register_settings_section(
            "Resources", "bookings:resources", resources_status, order=20
        )
        navigation.register_settings_section("API", "api_settings:page", api_status, order=60)
