from django.urls import path

from participants import views

app_name = "participants"

urlpatterns = [
    path("events/<str:event_id>/", views.dashboard, name="dashboard"),
    path("events/<str:event_id>/export.csv", views.export_csv, name="export"),
    path("events/<str:event_id>/participations/add/", views.participation_add, name="add"),
    path(
        "events/<str:event_id>/participations/<str:participation_id>/",
        views.participation_row,
        name="row",
    ),
    path(
        "events/<str:event_id>/participations/<str:participation_id>/edit/",
        views.participation_edit,
        name="edit",
    ),
    path(
        "events/<str:event_id>/participations/<str:participation_id>/cancel/",
        views.participation_cancel,
        name="cancel",
    ),
    path(
        "events/<str:event_id>/participations/<str:participation_id>/restore/",
        views.participation_restore,
        name="restore",
    ),
]
