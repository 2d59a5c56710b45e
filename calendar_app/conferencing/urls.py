from django.urls import path

from calendar_app.conferencing import views

app_name = "conferencing"

urlpatterns = [
    path("", views.conferencing_settings, name="settings"),
    path("automation/", views.automation_save, name="automation"),
]
