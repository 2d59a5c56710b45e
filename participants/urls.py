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
    path(
        "events/<str:event_id>/participations/<str:participation_id>/attendance/",
        views.participation_attendance,
        name="attendance",
    ),
    path("events/<str:event_id>/check-in/", views.check_in_everyone, name="check_in_everyone"),
    path("events/<str:event_id>/waitlist/", views.waitlist_join, name="waitlist_join"),
    path("events/<str:event_id>/waitlist/rules/", views.waitlist_rules, name="waitlist_rules"),
    path("events/<str:event_id>/waitlist/remove/", views.waitlist_remove, name="waitlist_remove"),
    path("events/<str:event_id>/waitlist/move/", views.waitlist_move, name="waitlist_move"),
    path("events/<str:event_id>/waitlist/give/", views.waitlist_give, name="waitlist_give"),
]
