from django.apps import AppConfig


class MagiclineConfig(AppConfig):
    name = "bookings.magicline"
    label = "magicline"
    verbose_name = "Magicline upstream"
