"""Participation reads for the per-event dashboard: a constant number of queries per page.

The dashboard is built from page objects: ``EventHeader`` above the list, ``ParticipantList``
for one page of it, and a ``ParticipationRow`` per participant (never a decorated model).
"""

from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.urls import reverse

from calendar_app import extensions
from calendar_app.backends import calendar_backend
from calendar_app.capacity import Capacity, event_capacity
from calendar_app.locations import location_text
from calendar_app.models import Event, EventResource
from calendar_app.tenancy.models import Business
from participants.models import Participation, WaitlistEntry, WaitlistSetting

OCCURRENCE_TYPES = (Event.RecurrenceType.INSTANCE, Event.RecurrenceType.EXCEPTION)


@dataclass(frozen=True)
class EventHeader:
    """What the dashboard shows above the list, with times in the business's zone."""

    event: Event
    start_local: datetime
    end_local: datetime
    time_zone: str
    resources: list
    capacity: Capacity
    previous: Event | None
    next: Event | None
    read_only_reason: str = ""
    can_undo_cancel: bool = True

    @property
    def location_text(self) -> str:
        return location_text(self.event.location)

    @cached_property
    def conferencing(self) -> dict:
        return extensions.event_conferencing(self.event) or {}


def participations_for_event(event: Event, *, search: str | None = None) -> QuerySet:
    """The event's participations (cancelled ones too), oldest first; one query when listed.

    ``search`` matches name, email or phone, case-insensitively.
    """
    participations = Participation.objects.filter(event_id=event.pk).order_by("created_date", "id")
    search = (search or "").strip()
    if search:
        participations = participations.filter(
            Q(name__icontains=search) | Q(email__icontains=search) | Q(phone__icontains=search)
        )
    return participations


PAGE_SIZE = 50


def participations_page(event: Event, *, search: str | None = None, page: object = 1) -> Page:
    """One page of ``participations_for_event`` (``PAGE_SIZE`` rows, two queries).

    The dashboard lists a page at a time, whatever the number of participants; the page's
    paginator counts every row that matches (the match count), and a page number out of range
    is the last page, as Django's ``get_page`` does.
    """
    return Paginator(participations_for_event(event, search=search), PAGE_SIZE).get_page(page)


def page_number_of(participation: "Participation | ParticipationRow") -> int:
    """The page of the unfiltered list that shows ``participation`` (one count query), so a
    link to a row (``?page=N#p-id``) lands on the page that has it."""
    earlier = (
        Participation.objects.filter(event_id=participation.event_id)
        .filter(
            Q(created_date__lt=participation.created_date)
            | Q(created_date=participation.created_date, id__lt=participation.pk)
        )
        .count()
    )
    return earlier // PAGE_SIZE + 1


def matches_search(event: Event, participation: Participation, *, search: str) -> bool:
    """Whether the event's list searched for ``search`` shows ``participation`` (one query)."""
    return participations_for_event(event, search=search).filter(pk=participation.pk).exists()


ROW_ACTIONS = ("row", "edit", "cancel", "restore", "attendance")
ID_SLOT = "participation-id-slot"


@dataclass(frozen=True)
class ParticipationRow:
    """One participation as the dashboard lists it: its values, the participant as status
    lines name them ("Jane Doe (party of 2)"), its action URLs, and the state the row is shown
    in (an inline ``edit_form``, a ``conflict`` with a newer revision, or an ``error``)."""

    pk: str
    event_id: str
    name: str
    email: str
    phone: str
    party_size: int
    status: str
    status_label: str
    notes: str
    created_date: datetime
    revision: int
    is_cancelled: bool
    attendance: str
    attendance_label: str
    who: str
    urls: dict[str, str]
    edit_form: Any = None
    conflict: bool = False
    error: str = ""

    def shown(self, *, edit_form: Any = None, conflict: bool = False, error: str = ""):
        """The same row in an edit, conflict or error state."""
        return replace(self, edit_form=edit_form, conflict=conflict, error=error)


def who(participation: Participation) -> str:
    """The participant as a status line names them: "Jane Doe", "Jane Doe (party of 2)"."""
    if participation.party_size > 1:
        return f"{participation.name} (party of {participation.party_size})"
    return participation.name


def participation_rows(participations) -> list[ParticipationRow]:
    """Rows for the template, with each event's action URLs reversed once per list instead of
    four times per row (a page lists fifty)."""
    patterns: dict[str, dict[str, str]] = {}
    rows = []
    for p in participations:
        if p.event_id not in patterns:
            patterns[p.event_id] = {
                name: reverse(f"participants:{name}", args=[p.event_id, ID_SLOT])
                for name in ROW_ACTIONS
            }
        urls = {name: url.replace(ID_SLOT, p.pk) for name, url in patterns[p.event_id].items()}
        rows.append(
            ParticipationRow(
                pk=p.pk,
                event_id=p.event_id,
                name=p.name,
                email=p.email,
                phone=p.phone,
                party_size=p.party_size,
                status=p.status,
                status_label=p.get_status_display(),
                notes=p.notes,
                created_date=p.created_date,
                revision=p.revision,
                is_cancelled=p.is_cancelled,
                attendance=p.attendance,
                attendance_label=p.get_attendance_display(),
                who=who(p),
                urls=urls,
            )
        )
    return rows


def participation_row(participation: Participation) -> ParticipationRow:
    """One participation's row (``participation_rows`` of one)."""
    return participation_rows([participation])[0]


@dataclass(frozen=True)
class ParticipantList:
    """One page of the event's participants: the paginator's page (``rows``: counts, links)
    and the rows it shows, for a search (``search``) or the whole list."""

    search: str
    rows: Page
    participations: list[ParticipationRow]


def participant_list(
    event: Event,
    *,
    search: str = "",
    page: object = 1,
    marked: ParticipationRow | None = None,
) -> ParticipantList:
    """The requested page of the rows matching ``search``, or, with a ``marked`` row (shown in
    its edit, conflict or error state), the page of the whole list that has it."""
    if marked is not None:
        search, page = "", page_number_of(marked)
    rows = participations_page(event, search=search, page=page)
    participations = participation_rows(rows)
    if marked is not None:
        participations = [marked if p.pk == marked.pk else p for p in participations]
    return ParticipantList(search=search, rows=rows, participations=participations)


def adjacent_occurrences(event: Event) -> tuple[Event | None, Event | None]:
    """The previous and next occurrence of the same series (by start), or ``(None, None)``."""
    if event.recurrence_type not in OCCURRENCE_TYPES or not event.recurring_event_id:
        return None, None
    siblings = Event.objects.filter(
        business_id=event.business_id,
        recurring_event_id=event.recurring_event_id,
        recurrence_type__in=OCCURRENCE_TYPES,
        removed_date__isnull=True,
    ).only("id", "start", "start_local_date", "status", "title", "time_zone")
    previous = (
        siblings.filter(Q(start__lt=event.start) | Q(start=event.start, id__lt=event.id))
        .order_by("-start", "-id")
        .first()
    )
    following = (
        siblings.filter(Q(start__gt=event.start) | Q(start=event.start, id__gt=event.id))
        .order_by("start", "id")
        .first()
    )
    return previous, following


def next_occurrence(master: Event, *, now: datetime) -> Event | None:
    """The series' first occurrence from ``now`` on, else its last one (for a MASTER's id)."""
    occurrences = Event.objects.filter(
        business_id=master.business_id,
        recurring_event_id=master.id,
        recurrence_type__in=OCCURRENCE_TYPES,
        removed_date__isnull=True,
    )
    return (
        occurrences.filter(end__gte=now).order_by("start", "id").first()
        or occurrences.order_by("-start", "-id").first()
    )


def event_header(event: Event, *, business: Business) -> EventHeader:
    """The event's header data: local times, resources, capacity, series neighbours."""
    zone = business.zone
    resources = [
        er.resource
        for er in EventResource.objects.filter(event_id=event.pk)
        .select_related("resource")
        .order_by("resource__type", "resource__name")
    ]
    previous, following = adjacent_occurrences(event)
    return EventHeader(
        event=event,
        start_local=event.start.astimezone(zone).replace(tzinfo=None),
        end_local=event.end.astimezone(zone).replace(tzinfo=None),
        time_zone=business.time_zone,
        resources=resources,
        capacity=event_capacity(event),
        previous=previous,
        next=following,
        **row_permissions(event, business=business),
    )


def row_permissions(event: Event, *, business: Business) -> dict:
    """What every participation row of ``event`` reads, on the page and in each fragment:
    why its participants are read-only (empty when they are not) and whether a cancel can be
    undone (never when the upstream deletes participations for good, spec §3.4)."""
    backend = calendar_backend(business)
    return {
        "read_only_reason": backend.participations_read_only_reason(event=event),
        "can_undo_cancel": backend.can_restore_participation,
    }


@dataclass(frozen=True)
class WaitlistRow:
    """One person waiting, as the Waitlist section lists them (``rank`` 1 is first in line)."""

    pk: str
    rank: int
    name: str
    who: str
    email: str
    phone: str
    joined_date: datetime
    refused_reason: str
    urls: dict[str, str]


@dataclass(frozen=True)
class Waitlist:
    """The event's waitlist: who waits, in order, and the schedule's rules for it."""

    rows: list[WaitlistRow]
    limit: int | None
    offer_to_staff: bool


def waiting_entries(event: Event) -> QuerySet:
    """The event's people still waiting, first in line first."""
    return WaitlistEntry.objects.filter(
        event_id=event.pk, promoted_date__isnull=True, removed_date__isnull=True
    ).order_by("position", "joined_date", "id")


def waitlist(event: Event) -> Waitlist:
    """The Waitlist section of the dashboard (two queries)."""
    setting = WaitlistSetting.for_schedule(event.schedule_id)
    urls = {
        name: reverse(f"participants:waitlist_{name}", args=[event.pk])
        for name in ("remove", "move", "give")
    }
    rows = []
    for rank, entry in enumerate(waiting_entries(event), start=1):
        rows.append(
            WaitlistRow(
                pk=entry.pk,
                rank=rank,
                name=entry.name,
                who=who(entry),
                email=entry.email,
                phone=entry.phone,
                joined_date=entry.joined_date,
                refused_reason=entry.refused_reason,
                urls=urls,
            )
        )
    return Waitlist(
        rows=rows,
        limit=setting.limit,
        offer_to_staff=setting.promotion == WaitlistSetting.Promotion.OFFER_TO_STAFF,
    )


def rank_of(entry: WaitlistEntry) -> int:
    """Where ``entry`` stands in its event's waitlist (1 is first): those ahead of it, plus one."""
    ahead = waiting_entries(entry.event).filter(
        Q(position__lt=entry.position)
        | Q(position=entry.position, joined_date__lt=entry.joined_date)
        | Q(position=entry.position, joined_date=entry.joined_date, id__lt=entry.pk)
    )
    return ahead.count() + 1


def waiting_ids(event: Event) -> list[str]:
    """Ids of those waiting now: a change's answer asks which of them it promoted."""
    return list(waiting_entries(event).values_list("pk", flat=True))


def promoted_from(entry_ids: list[str]) -> list[ParticipationRow]:
    """Rows of the participations that those of ``entry_ids`` (people who were waiting) became,
    in the order they got their place: what a cancel's answer adds to the list."""
    promoted = Participation.objects.filter(waitlist_entry__pk__in=entry_ids).order_by(
        "created_date", "id"
    )
    return participation_rows(promoted)
