from django.apps import AppConfig


class WixConfig(AppConfig):
    """Calendar V3 upstream: a business mirrors its Wix calendar (own app, own migrations)."""

    name = "calendar_app.wix"
    label = "wix"
    verbose_name = "Wix Calendar V3"

    def ready(self) -> None:
        """Answer the calendar writes of businesses set to mirror Wix (the core never names
        this app: it looks the backend up), tell optional apps Wix Bookings' app id, carry an
        owner's erase of a person to the site, and give the pages their notice for a business
        not connected yet and the settings hub its line."""
        from calendar_app import extensions
        from calendar_app.backends import register_calendar_backend
        from calendar_app.tenancy import navigation
        from calendar_app.tenancy.models import Business
        from calendar_app.wix.backend import bookings_app_id, wix_backend
        from calendar_app.wix.hub import wix_status
        from calendar_app.wix.selectors import not_connected_notice
        from calendar_app.wix.services import erase_participation_copies

        register_calendar_backend(Business.Backend.WIX, wix_backend)
        extensions.bookings_app_id.register(bookings_app_id)
        extensions.erase_participation_copies.register(erase_participation_copies)
        navigation.backend_notice.register(not_connected_notice)
        navigation.register_settings_section("Wix", "wix:settings", wix_status, order=40)
