"""Customer directory reads: the search (one indexed query a page, keyset-paged so the last
page costs what the first does), one person of a business, and their customer page (a fixed
number of queries, however many visits they have)."""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Concat
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


def _class_visit(p: Participation) -> Visit:
    status = "Cancelled" if p.is_cancelled else p.get_status_display()
    return Visit(
        "Class",
        p.event.title,
        p.event.start,
        p.event.end,
        status,
        p.get_attendance_display() if p.attendance else "",
        p.event_id,
    )


def _appointment_visit(b: AppointmentBooking) -> Visit:
    unset = b.participant_status == ParticipantStatus.UNSET
    return Visit(
        "Appointment",
        b.appointment.title,
        b.start,
        b.end,
        b.get_booking_status_display(),
        "" if unset else b.get_participant_status_display(),
        b.event_id,
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


def person_bookings(person: Person, customer_ids: QuerySet) -> QuerySet[AppointmentBooking]:
    return AppointmentBooking.objects.filter(
        business_id=person.business_id, customer_id__in=customer_ids
    )


def _emails(person: Person) -> list[str]:
    return [person.email.lower()] if person.email else []


# What a visit row needs of a participation and its class, and of a booking and its
# appointment: the lists read these columns only (not the events' JSON fields, nor the
# rows' notes).
CLASS_FIELDS = ("status", "cancelled_date", "attendance", "event_id", "event__title")
CLASS_FIELDS += ("event__start", "event__end")
BOOKING_FIELDS = ("booking_status", "participant_status", "start", "end", "event_id")
BOOKING_FIELDS += ("appointment__title",)


def _counted(*, visit: Q, **matches) -> Window:
    """How many of the query's rows are counted visits (``visit``) matching ``matches``: an
    aggregate over all its rows, before its LIMIT, read off any row."""
    return Window(Count("pk", filter=visit & Q(**matches)))


def customer_page(*, person: Person, now: datetime | None = None) -> CustomerPage:
    """What the customer page shows of ``person`` (seven queries, whatever their history).

    The figures (past visits, attended, no-shows) count the same rows the past lists read,
    so they come with those lists, as window aggregates over all the person's past classes
    (or appointments) rather than the twenty shown."""
    now = now or timezone.now()
    customer_ids = PersonLink.objects.filter(person=person, customer__isnull=False).values(
        "customer_id"
    )
    classes = person_participations(person).select_related("event").only(*CLASS_FIELDS)
    bookings = (
        person_bookings(person, customer_ids).select_related("appointment").only(*BOOKING_FIELDS)
    )
    attended = Q(cancelled_date__isnull=True)
    past_classes = list(
        classes.filter(event__end__lt=now)
        .annotate(
            visits=_counted(visit=attended),
            came=_counted(visit=attended, attendance=Attendance.CHECKED_IN),
            missed=_counted(visit=attended, attendance=Attendance.NO_SHOW),
        )
        .order_by("-event__start")[:LIST_SIZE]
    )
    booked = Q(cancelled_date__isnull=True) & ~Q(
        booking_status=AppointmentBooking.BookingStatus.CANCELED
    )
    past_bookings = list(
        bookings.filter(end__lt=now)
        .annotate(
            visits=_counted(visit=booked),
            came=_counted(visit=booked, participant_status=ParticipantStatus.PARTICIPATING),
            missed=_counted(visit=booked, participant_status=ParticipantStatus.NOT_PARTICIPATING),
        )
        .order_by("-start")[:LIST_SIZE]
    )
    upcoming = [
        *map(
            _class_visit, classes.filter(event__end__gte=now).order_by("event__start")[:LIST_SIZE]
        ),
        *map(_appointment_visit, bookings.filter(end__gte=now).order_by("start")[:LIST_SIZE]),
    ]
    past = [*map(_class_visit, past_classes), *map(_appointment_visit, past_bookings)]
    figures = [rows[0] for rows in (past_classes, past_bookings) if rows]
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
        Contingent.objects.filter(customer_id__in=customer_ids).select_related("appointment")
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
        past_total=sum(row.visits for row in figures),
        checked_in=sum(row.came for row in figures),
        no_shows=sum(row.missed for row in figures),
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

    def local(value: datetime) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    yield "\ufeff" + line(["Name", person.name, "Email", person.email, "Phone", person.phone])
    yield line(CSV_COLUMNS)
    classes = person_participations(person).select_related("event").order_by("event__start")
    for p in classes.iterator(chunk_size=2000):
        v = _class_visit(p)
        yield line([v.kind, v.title, local(v.start), local(v.end), v.status, v.attendance])
    customer_ids = PersonLink.objects.filter(person=person, customer__isnull=False).values(
        "customer_id"
    )
    bookings = (
        AppointmentBooking.objects.filter(
            business_id=person.business_id, customer_id__in=customer_ids
        )
        .select_related("appointment")
        .order_by("start")
    )
    for b in bookings.iterator(chunk_size=2000):
        v = _appointment_visit(b)
        yield line([v.kind, v.title, local(v.start), local(v.end), v.status, v.attendance])
