"""``/settings/magicline/``: the owner's Magicline connection (the webhook is in config.urls)."""

from django.urls import path

from bookings.magicline import views

app_name = "magicline"

urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("connect/", views.connect, name="connect"),
    path("check/", views.check, name="check"),
    path("instructors/<int:instructor_id>/link/", views.link_instructor, name="link_instructor"),
    path("health/", views.health, name="health"),
    path("health/refresh/", views.refresh, name="refresh"),
    path("health/deliveries/<int:delivery_id>/retry/", views.retry, name="retry"),
]
