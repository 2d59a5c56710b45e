from django.urls import path

from calendar_app.wix import views

app_name = "wix"

urlpatterns = [
    path("settings/wix/", views.wix_settings, name="settings"),
]
