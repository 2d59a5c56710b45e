from django.urls import path

from calendar_app.tenancy import views as team
from calendar_app.views import calendar, events, move, schedules, settings

app_name = "calendar_app"

urlpatterns = [
    path("", calendar.home, name="home"),
    # Calendar pages
    path("calendar/<str:view>/", calendar.calendar_page, name="calendar"),
    # Events and blocked time
    path("events/new/", events.event_create, name="event_create"),
    path("events/<str:event_id>/", events.event_detail, name="event_detail"),
    path("events/<str:event_id>/peek/", calendar.event_peek, name="event_peek"),
    path("events/<str:event_id>/edit/", events.event_edit, name="event_edit"),
    path("events/<str:event_id>/cancel/", events.event_cancel, name="event_cancel"),
    path("events/<str:event_id>/restore/", events.event_restore, name="event_restore"),
    path("events/<str:event_id>/move/", move.event_move, name="event_move"),
    path("block-time/", events.block_time, name="block_time"),
    # Schedules
    path("schedules/", schedules.schedule_list, name="schedules"),
    path("schedules/new/", schedules.schedule_create, name="schedule_create"),
    path("schedules/<str:schedule_id>/edit/", schedules.schedule_edit, name="schedule_edit"),
    path("schedules/<str:schedule_id>/cancel/", schedules.schedule_cancel, name="schedule_cancel"),
    path(
        "schedules/<str:schedule_id>/restore/",
        schedules.schedule_restore,
        name="schedule_restore",
    ),
    path(
        "schedules/operations/<str:operation_id>/",
        schedules.bulk_operation,
        name="bulk_operation",
    ),
    # Settings: the hub linking every section (the sections register themselves)
    path("settings/", settings.settings_hub, name="settings"),
    # Team and business
    path("team/", team.team, name="team"),
    path(
        "team/<int:membership_id>/active/",
        team.membership_active,
        name="team_membership_active",
    ),
    path("team/<int:membership_id>/role/", team.membership_role, name="team_membership_role"),
    path("business/switch/", team.switch_business_view, name="switch_business"),
]
