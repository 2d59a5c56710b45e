"""Reads of the conferencing automation: the settings page and an event's meeting."""

from dataclasses import dataclass

from bookings.models import BookableAppointment
from calendar_app.conferencing.models import (
    ConferencingAutomation,
    GoogleCredentials,
    Meeting,
    Provider,
)
from calendar_app.models import Business, Event, Schedule
from calendar_app.wix.mapping import WIX_BOOKINGS_APP_ID

SCHEDULE = "schedule"
SERVICE = "service"


@dataclass(frozen=True)
class AutomationRow:
    """One schedule or service on the settings page, with its automation (if any)."""

    kind: str
    target_id: str
    name: str
    detail: str
    enabled: bool
    provider: str


@dataclass(frozen=True)
class ConferencingPage:
    rows: list[AutomationRow]
    credentials: GoogleCredentials | None
    providers: list[tuple[str, str]]
    connected_to_wix: bool


def automation_targets(business: Business):
    """What an owner can automate: for a local business its schedules and bookable services;
    for one connected to Wix its Wix Bookings service schedules (the webhooks name the service
    by the schedule's ``externalId``)."""
    schedules = Schedule.objects.filter(
        business=business, status=Schedule.Status.ACTIVE, is_blocked_time=False
    )
    if business.backend == Business.Backend.WIX:
        return schedules.filter(app_id=WIX_BOOKINGS_APP_ID).exclude(external_id=""), (
            BookableAppointment.objects.none()
        )
    return schedules, BookableAppointment.objects.filter(business=business)


def settings_page(business: Business) -> ConferencingPage:
    """Every target with its switch and provider, and the Google credentials (masked)."""
    schedules, services = automation_targets(business)
    automations = {
        (SCHEDULE if a.schedule_id else SERVICE, str(a.schedule_id or a.appointment_id)): a
        for a in ConferencingAutomation.objects.filter(business=business)
    }
    wix = business.backend == Business.Backend.WIX
    rows = []
    for kind, items in ((SCHEDULE, schedules.order_by("name")), (SERVICE, services)):
        for item in items:
            automation = automations.get((kind, str(item.pk)))
            if kind == SERVICE:
                name, detail = item.title, f"Service · {item.duration_minutes} min"
            elif wix:
                name, detail = item.name, f"Wix Bookings service {item.external_id}"
            else:
                name, detail = item.name, "Schedule"
            rows.append(
                AutomationRow(
                    kind=kind,
                    target_id=str(item.pk),
                    name=name,
                    detail=detail,
                    enabled=bool(automation and automation.enabled),
                    provider=automation.provider if automation else Provider.BUILTIN,
                )
            )
    return ConferencingPage(
        rows=rows,
        credentials=GoogleCredentials.objects.filter(business=business).first(),
        providers=list(Provider.choices),
        connected_to_wix=wix,
    )


def meeting_for_event(event: Event) -> Meeting | None:
    """The event's meeting, if it has one (one query)."""
    return Meeting.objects.filter(event_id=event.pk).first()
