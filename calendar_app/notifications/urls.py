from django.urls import path

from calendar_app.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.outbox, name="outbox"),
]
