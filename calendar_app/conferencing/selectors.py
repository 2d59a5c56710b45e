"""Reads of the conferencing automation: which events are automated, the settings page, and an
event's meeting and links."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from bookings.models import AppointmentBooking, BookableAppointment
from calendar_app import extensions
from calendar_app.conferencing.models import (
    ConferencingAutomation,
    GoogleCredentials,
    Meeting,
    Provider,
)
from calendar_app.models import Event, Schedule
from calendar_app.tenancy.models import Business

SCHEDULE = "schedule"
SERVICE = "service"


# Which events are automated ------------------------------------------------------------------


def is_live(event: Event) -> bool:
    """An occurrence that takes place: not cancelled, not removed, not a series' MASTER."""
    return not links_gone(event) and event.recurrence_type != Event.RecurrenceType.MASTER


def is_service_event(app_id: str | None) -> bool:
    """Whether an event (or schedule) of a connected business with this ``appId`` belongs to
    the upstream's bookings app, whose schedules stand for its services."""
    return bool(app_id) and app_id == extensions.bookings_app_id()


def service_automation(
    *, business: Business, app_id: str | None, external_schedule_id: str | None
) -> ConferencingAutomation | None:
    """The seed's filter for a connected business: the event's ``appId`` is the upstream's
    bookings app (Wix Bookings) and its ``externalScheduleId`` is the service id of a schedule
    whose automation is on."""
    if not is_service_event(app_id) or not external_schedule_id:
        return None
    return (
        ConferencingAutomation.objects.filter(
            business=business, enabled=True, schedule__external_id=external_schedule_id
        )
        .order_by("pk")
        .first()
    )


def automation_for_event(event: Event) -> ConferencingAutomation | None:
    """The automation that covers the event (its schedule, or the service it was booked for)."""
    business = event.business
    if business.backend == Business.Backend.WIX:
        return service_automation(
            business=business,
            app_id=event.app_id,
            external_schedule_id=event.external_schedule_id,
        )
    appointment_ids = AppointmentBooking.objects.filter(event_id=event.pk).values("appointment_id")
    return (
        ConferencingAutomation.objects.filter(business=business, enabled=True)
        .filter(Q(schedule_id=event.schedule_id) | Q(appointment_id__in=appointment_ids))
        .order_by("pk")
        .first()
    )


# The settings page ---------------------------------------------------------------------------


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
        return schedules.filter(app_id=extensions.bookings_app_id()).exclude(external_id=""), (
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


def written_by_automation(details: dict | None, written: dict | None) -> bool:
    """Whether an event's ``conferencingDetails`` are the links the automation wrote on it:
    they carry the external id of the meeting's last write-back. Links entered by hand (no
    external id, or another one) are the owner's."""
    external_id = (written or {}).get("externalId")
    return bool(external_id and details and details.get("externalId") == external_id)


def links_gone(event: Event) -> bool:
    """Whether the links of the event's automated meeting are gone: it is cancelled or removed,
    so its meeting is deleted (or about to be, once the task runs) with it."""
    return event.is_cancelled or event.removed_date is not None


def shown_conferencing(
    *, details: dict | None, cancelled_or_removed: bool, written: dict | None
) -> dict | None:
    """The ``conferencingDetails`` of an event as every page and feed may show them.

    The one rule: once an event is cancelled or removed (``links_gone``), the links its
    automated meeting had are gone (the meeting is deleted with the event), even where they
    stay on the stored row, as on a connected business's cancelled event, which refuses the
    edit that would clear them.
    Anything else (a live event's links, links entered by hand) is shown as it is.
    """
    if cancelled_or_removed and written_by_automation(details, written):
        return None
    return details


def event_conferencing(event: Event) -> dict | None:
    """``shown_conferencing`` for one loaded event: reads its meeting only when the event is
    cancelled or removed and has links (no query otherwise)."""
    details = event.conferencing_details
    gone = links_gone(event)
    if not (details and gone):
        return details
    written = (
        Meeting.objects.filter(event_id=event.pk).values_list("written_details", flat=True).first()
    )
    return shown_conferencing(details=details, cancelled_or_removed=gone, written=written)


def automation_links_to_forget(events: QuerySet) -> list[str]:
    """Those of ``events`` that are cancelled and still carry the links their automated
    meeting wrote: what a local cancellation clears (one query)."""
    rows = (
        events.filter(status=Event.Status.CANCELLED)
        .filter(conferencing_details__isnull=False, meeting__written_details__isnull=False)
        .values_list("pk", "conferencing_details", "meeting__written_details")
    )
    return [pk for pk, details, written in rows if written_by_automation(details, written)]
