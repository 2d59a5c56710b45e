from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "calendar_app.feeds"
    label = "feeds"
    verbose_name = "Calendar feeds"
    default_auto_field = "django.db.models.BigAutoField"
