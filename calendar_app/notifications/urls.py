from django.urls import path

from calendar_app.notifications import views

app_name = "notifications"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:message_id>/retry/", views.retry, name="retry"),
    path("messages/", views.message_templates, name="messages"),
    path("messages/<str:kind>.html", views.message_html, name="message_html"),
    path("settings/", views.notification_settings, name="settings"),
    path("settings/reminders/", views.reminder_settings, name="reminders"),
]
