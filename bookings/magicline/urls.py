"""``/settings/magicline/``: the owner's Magicline connection (the webhook is in config.urls)."""

from django.urls import path

from bookings.magicline import views

app_name = "magicline"

urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("connect/", views.connect, name="connect"),
    path("check/", views.check, name="check"),
]
