from django.urls import path

from calendar_app.feeds import views

app_name = "feeds"

urlpatterns = [
    path("", views.subscribe, name="subscribe"),
    path("new/", views.feed_create, name="create"),
    path("<int:feed_id>/rotate/", views.feed_rotate, name="rotate"),
    path("<int:feed_id>/revoke/", views.feed_revoke, name="revoke"),
    path("<int:feed_id>/personal-data/", views.feed_personal_data, name="personal_data"),
]
