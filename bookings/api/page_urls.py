"""``/settings/api/``: the owner's API keys and webhook URLs."""

from django.urls import path

from bookings.api import pages

app_name = "api_settings"

urlpatterns = [
    path("", pages.settings_page, name="page"),
    path("keys/", pages.key_create, name="key_create"),
    path("keys/<int:key_id>/revoke/", pages.key_revoke, name="key_revoke"),
    path("webhooks/", pages.webhook_create, name="webhook_create"),
    path("webhooks/<int:subscription_id>/delete/", pages.webhook_delete, name="webhook_delete"),
]
