from django.apps import AppConfig


class MagiclineConfig(AppConfig):
    name = "bookings.magicline"
    label = "magicline"
    verbose_name = "Magicline upstream"

    def ready(self) -> None:
        """A studio with an enabled connection books through Magicline (the core never asks);
        the settings hub shows the connection's status."""
        from bookings.backends import register
        from bookings.magicline.backend import magicline_backend
        from bookings.magicline.erasure import erase_customer_copies
        from bookings.magicline.hub import magicline_status
        from calendar_app import extensions
        from calendar_app.tenancy import navigation

        register(magicline_backend)
        extensions.erase_customer_copies.register(erase_customer_copies)
        navigation.register_settings_section(
            "Magicline", "magicline:settings", magicline_status, order=50
        )
