from django.urls import path

from calendar_app.wix import views

app_name = "wix"

urlpatterns = [
    path("settings/wix/", views.wix_settings, name="settings"),
    path("settings/wix/health/", views.health, name="health"),
    path("settings/wix/health/resync/", views.resync, name="resync"),
    path("settings/wix/health/backfill/", views.backfill_again, name="backfill"),
    path(
        "settings/wix/health/deliveries/<int:delivery_id>/retry/",
        views.delivery_retry,
        name="delivery_retry",
    ),
    path(
        "settings/wix/health/erasures/<int:erasure_id>/retry/",
        views.erasure_retry,
        name="erasure_retry",
    ),
]
