"""Customer directory reads: the search (one indexed query a page, keyset-paged so the last
page costs what the first does), one person of a business, and their customer page (a fixed
number of queries, however many visits they have)."""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Concat, RowNumber
from django.utils import timezone

from bookings.models import AppointmentBooking, Contingent
from calendar_app import extensions
from calendar_app.tenancy.models import Business
from participants.customers.directory import digits
from participants.customers.models import Person, PersonLink
from participants.export import _csv_cell, _Echo
from participants.models import Participation, WaitlistEntry

PAGE_SIZE = 25
LIST_SIZE = 20  # upcoming and past visits of each kind shown on the page (the CSV has all)
MESSAGES_SHOWN = 20
PHONE_QUERY = re.compile(r"[\d\s+()./-]+")
Attendance = Participation.Attendance
ParticipantStatus = AppointmentBooking.ParticipantStatus


def search_terms(query: str) -> list[str]:
    """What a search looks for: a phone number's digits without leading zeros (``0151-23`` →
    ``15123``, found in ``+49 151 23…`` too), else up to four words, lowercased, each of which
    must occur in the name, address or phone."""
    query = " ".join(query.split())[:100].lower()
    if not query:
        return []
    number = digits(query).lstrip("0")
    if PHONE_QUERY.fullmatch(query) and len(number) >= 3:
        return [number]
    return query.split()[:4]


@dataclass(frozen=True)
class SearchPage:
    people: list[Person]
    next_after: int | None  # the cursor of the next page; None on the last one


def search_people(
    *, business: Business, query: str = "", after: int | None = None, limit: int = PAGE_SIZE
) -> SearchPage:
    """One page of the business's people whose name, address or phone contains the query,
    by name; ``after`` (a person's id, from the previous page) starts after that person."""
    people = Person.objects.filter(business=business)
    terms = search_terms(query)
    for term in terms:
        people = people.filter(search__contains=term)
    order = "sort_name"
    if terms:
        # By an expression rather than the column: PostgreSQL then finds the matches through
        # the trigram index and sorts those, instead of walking the name index past every
        # person who does not match (which costs as much as the directory is long).
        people = people.annotate(by_name=Concat("sort_name", Value("")))
        order = "by_name"
    if after is not None:
        cursor = Subquery(
            Person.objects.filter(business=business, pk=after).values("sort_name")[:1]
        )
        people = people.filter(Q(sort_name__gt=cursor) | Q(sort_name=cursor, pk__gt=after))
    rows = list(people.order_by(order, "id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return SearchPage(rows, rows[-1].pk if more else None)


def person_of(*, business: Business, person_id: int) -> Person | None:
    """The business's person ``person_id``; None for another business's (a 404)."""
    return Person.objects.filter(business=business, pk=person_id).select_related("business").first()


@dataclass(frozen=True)
class Visit:
    """A class or an appointment on the customer page."""

    kind: str  # "Class" or "Appointment"
    title: str
    start: datetime
    end: datetime
    status: str
    attendance: str
    event_id: str | None


# The columns a visit is read from, in the order ``_class_visit`` and ``_appointment_visit``
# take them (values rather than models: the lists need these few columns, not the events' JSON
# fields, and the page reads up to eighty rows).
CLASS_ROW = ("event__title", "event__start", "event__end", "status", "cancelled_date")
CLASS_ROW += ("attendance", "event_id")
BOOKING_ROW = ("appointment__title", "start", "end", "booking_status", "participant_status")
BOOKING_ROW += ("event_id",)
STATUSES = dict(Participation.Status.choices)
ATTENDANCES = dict(Attendance.choices)
BOOKING_STATUSES = dict(AppointmentBooking.BookingStatus.choices)
PARTICIPANT_STATUSES = dict(ParticipantStatus.choices)


def _class_visit(row: tuple) -> Visit:
    """The visit of a participation's ``CLASS_ROW`` (any further columns left aside)."""
    title, start, end, status, cancelled_date, attendance, event_id = row[: len(CLASS_ROW)]
    status = "Cancelled" if cancelled_date else STATUSES.get(status, status)
    return Visit(
        "Class", title, start, end, status, ATTENDANCES.get(attendance, attendance), event_id
    )


def _appointment_visit(row: tuple) -> Visit:
    """The visit of a booking's ``BOOKING_ROW`` (any further columns left aside)."""
    title, start, end, status, participant_status, event_id = row[: len(BOOKING_ROW)]
    attendance = (
        ""
        if participant_status == ParticipantStatus.UNSET
        else PARTICIPANT_STATUSES.get(participant_status, participant_status)
    )
    return Visit(
        "Appointment",
        title,
        start,
        end,
        BOOKING_STATUSES.get(status, status),
        attendance,
        event_id,
    )


@dataclass(frozen=True)
class CustomerPage:
    person: Person
    upcoming: list[Visit]
    past: list[Visit]
    past_total: int
    checked_in: int
    no_shows: int
    waiting: list[WaitlistEntry]
    credits: list[Contingent]
    messages: list[dict]

    @property
    def attendance_rate(self) -> int | None:
        """Of the past visits whose attendance was marked, the percentage attended."""
        marked = self.checked_in + self.no_shows
        return round(100 * self.checked_in / marked) if marked else None


def person_participations(person: Person) -> QuerySet[Participation]:
    return Participation.objects.filter(person_link__person=person)


def person_customer_ids(person: Person) -> QuerySet:
    """The ids of the person's appointment customers (a subquery)."""
    return PersonLink.objects.filter(person=person, customer__isnull=False).values("customer_id")


def person_bookings(person: Person) -> QuerySet[AppointmentBooking]:
    return AppointmentBooking.objects.filter(
        business_id=person.business_id, customer_id__in=person_customer_ids(person)
    )


def _emails(person: Person) -> list[str]:
    return [person.email.lower()] if person.email else []


FIGURES = ("visits", "came", "missed")  # the counts at the end of each row of a kind's visits


def _visits(
    queryset: QuerySet, /, *, start: str, past: Q, counted: Q, came: Q, missed: Q, row, visit
) -> tuple[list[Visit], list[Visit], list[int]]:
    """The ``LIST_SIZE`` soonest upcoming and latest past of ``queryset`` (as ``visit`` makes
    them of its ``row`` columns), and the ``FIGURES`` of its past ones, in one query.

    A past visit that is ``counted`` is a visit (``came`` and ``missed`` mark it); the figures
    are window counts over every row, read off any row, before the rank cuts the lists (a
    filter on a window is applied outside it). The rank runs through the past ones newest
    first and the upcoming ones (whose first key is NULL) soonest first."""
    is_past = ExpressionWrapper(past, output_field=BooleanField())
    newest_first = Case(When(past, then=F(start))).desc(nulls_last=True)
    counted &= past
    rows = list(
        queryset.annotate(
            is_past=is_past,
            rank=Window(RowNumber(), partition_by=[is_past], order_by=[newest_first, start]),
            visits=Window(Count("pk", filter=counted)),
            came=Window(Count("pk", filter=counted & came)),
            missed=Window(Count("pk", filter=counted & missed)),
        )
        .filter(rank__lte=LIST_SIZE)
        .values_list(*row, "is_past", *FIGURES)
    )
    upcoming, listed_past = [], []
    for values in rows:
        (listed_past if values[-len(FIGURES) - 1] else upcoming).append(visit(values))
    figures = list(rows[0][-len(FIGURES) :]) if rows else [0] * len(FIGURES)
    return upcoming, listed_past, figures


def customer_page(*, person: Person, now: datetime | None = None) -> CustomerPage:
    """What the customer page shows of ``person`` (five queries, whatever their history).

    Each kind of visit (classes, appointments) is one query: the twenty latest past and
    soonest upcoming, with the figures (past visits, attended, no-shows) as window aggregates
    over all of the kind's past visits rather than the twenty shown."""
    now = now or timezone.now()
    upcoming_classes, past_classes, class_figures = _visits(
        person_participations(person).filter(event__isnull=False),  # not whole schedules
        start="event__start",
        past=Q(event__end__lt=now),
        counted=Q(cancelled_date__isnull=True),
        came=Q(attendance=Attendance.CHECKED_IN),
        missed=Q(attendance=Attendance.NO_SHOW),
        row=CLASS_ROW,
        visit=_class_visit,
    )
    upcoming_bookings, past_bookings, booking_figures = _visits(
        person_bookings(person),
        start="start",
        past=Q(end__lt=now),
        counted=Q(cancelled_date__isnull=True)
        & ~Q(booking_status=AppointmentBooking.BookingStatus.CANCELED),
        came=Q(participant_status=ParticipantStatus.PARTICIPATING),
        missed=Q(participant_status=ParticipantStatus.NOT_PARTICIPATING),
        row=BOOKING_ROW,
        visit=_appointment_visit,
    )
    upcoming = [*upcoming_classes, *upcoming_bookings]
    past = [*past_classes, *past_bookings]
    past_total, checked_in, no_shows = map(sum, zip(class_figures, booking_figures, strict=True))
    emails = _emails(person)
    waiting = list(
        WaitlistEntry.objects.filter(
            business_id=person.business_id,
            promoted_date__isnull=True,
            removed_date__isnull=True,
            email__iexact=person.email,
        )
        .select_related("event")
        .only("position", "event_id", "event__title", "event__start")
        .order_by("event__start")
        if emails
        else []
    )
    credits = list(
        Contingent.objects.filter(customer_id__in=person_customer_ids(person)).select_related(
            "appointment"
        )
    )
    messages = extensions.person_messages(
        business=person.business,
        participation_ids=person_participations(person).values("pk"),
        emails=emails,
        limit=MESSAGES_SHOWN,
    )
    return CustomerPage(
        person=person,
        upcoming=sorted(upcoming, key=lambda v: v.start),
        past=sorted(past, key=lambda v: v.start, reverse=True),
        past_total=past_total,
        checked_in=checked_in,
        no_shows=no_shows,
        waiting=waiting,
        credits=credits,
        messages=messages,
    )


CSV_COLUMNS = ["Type", "Title", "Start", "End", "Status", "Attendance"]


def customer_csv_lines(*, person: Person) -> Iterator[str]:
    """The person's details and every class and appointment of theirs, as CSV lines in the
    business's zone, each cell defused as the participant CSV's are (read in chunks)."""
    zone = person.business.zone
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)

    def line(row: list) -> str:
        return writer.writerow([_csv_cell(v) for v in row])

    def local(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    yield "\ufeff" + line(["Name", person.name, "Email", person.email, "Phone", person.phone])
    yield line(CSV_COLUMNS)
    # A participation may hold a whole schedule (no event): its row names the schedule, with
    # no times, after the classes.
    classes = (
        person_participations(person)
        .order_by(F("event__start").asc(nulls_last=True))
        .values_list(*CLASS_ROW, "schedule__name")
    )
    for row in classes.iterator(chunk_size=2000):
        v = _class_visit(row)
        title = v.title if v.event_id else f"{row[-1]} (every class)"
        yield line([v.kind, title, local(v.start), local(v.end), v.status, v.attendance])
    bookings = person_bookings(person).order_by("start").values_list(*BOOKING_ROW)
    for row in bookings.iterator(chunk_size=2000):
        v = _appointment_visit(row)
        yield line([v.kind, v.title, local(v.start), local(v.end), v.status, v.attendance])
