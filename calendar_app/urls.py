from django.urls import path

from calendar_app.views import calendar, events, team

app_name = "calendar_app"

urlpatterns = [
    path("", calendar.home, name="home"),
    # Calendar pages
    path("calendar/<str:view>/", calendar.calendar_page, name="calendar"),
    # Events, schedules, blocked time
    path("events/new/", events.event_create, name="event_create"),
    path("events/<str:event_id>/", events.event_detail, name="event_detail"),
    path("events/<str:event_id>/edit/", events.event_edit, name="event_edit"),
    path("events/<str:event_id>/cancel/", events.event_cancel, name="event_cancel"),
    path("events/<str:event_id>/restore/", events.event_restore, name="event_restore"),
    path("schedules/new/", events.schedule_create, name="schedule_create"),
    path("block-time/", events.block_time, name="block_time"),
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
