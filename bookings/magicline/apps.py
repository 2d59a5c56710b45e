from django.apps import AppConfig


class MagiclineConfig(AppConfig):
    name = "bookings.magicline"
    label = "magicline"
    verbose_name = "Magicline upstream"

    def ready(self) -> None:
        """A studio with an enabled connection books through Magicline (the core never asks)."""
        from bookings.backends import register
        from bookings.magicline.backend import magicline_backend

        register(magicline_backend)
