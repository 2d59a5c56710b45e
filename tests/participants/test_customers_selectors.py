"""Customer directory reads (``participants.customers.selectors``): the search and its pages,
the customer page's figures, and the CSV."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from calendar_app.models import Event
from calendar_app.notifications.services import queue_cancellation
from participants.customers import selectors, services
from participants.customers.models import Person, PersonLink
from participants.models import Participation, WaitlistEntry
from tests.factories import (
    AppointmentBookingFactory,
    ContingentFactory,
    CustomerFactory,
    EventFactory,
    ParticipationFactory,
)

pytestmark = pytest.mark.django_db
Attendance = Participation.Attendance


def names(page) -> list[str]:
    return [p.name for p in page.people]


@pytest.fixture
def people(business, schedule):
    event = EventFactory(schedule=schedule)
    ParticipationFactory(
        event=event, name="Ada Lovelace", email="ada@example.com", phone="+49 151 2345678"
    )
    ParticipationFactory(event=event, name="Grace Hopper", email="grace@navy.example", phone="")
    CustomerFactory(
        business=business,
        first_name="Alan",
        last_name="Turing",
        email="alan@example.com",
        phone="030 99887766",
    )
    services.sync_directory(business=business)


# Search


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("", ["Ada Lovelace", "Alan Turing", "Grace Hopper"]),
        ("ada", ["Ada Lovelace"]),
        ("HOPPER", ["Grace Hopper"]),
        ("navy.example", ["Grace Hopper"]),
        ("a turing", ["Alan Turing"]),
        ("+49 151 234", ["Ada Lovelace"]),
        ("151-2345678", ["Ada Lovelace"]),
        ("99887766", ["Alan Turing"]),
        ("0151 2345678", ["Ada Lovelace"]),
        ("0049 151 2345", ["Ada Lovelace"]),
        ("030 998", ["Alan Turing"]),
        ("nobody", []),
        ("%", []),
    ],
)
def test_the_search_finds_by_name_email_or_phone(business, people, query, found):
    assert names(selectors.search_people(business=business, query=query)) == found


def test_the_search_never_shows_another_business_s_people(business, other_business, people):
    theirs = EventFactory(schedule__business=other_business)
    ParticipationFactory(event=theirs, name="Ada Elsewhere", email="ada@elsewhere.example")
    services.sync_directory(business=other_business)

    assert names(selectors.search_people(business=business, query="ada")) == ["Ada Lovelace"]
    assert names(selectors.search_people(business=other_business, query="ada")) == ["Ada Elsewhere"]


def test_pages_follow_each_other_without_gaps_or_repeats(business, schedule):
    event = EventFactory(schedule=schedule)
    for n in range(12):
        ParticipationFactory(event=event, name=f"Person {n % 4}", email=f"p{n}@example.com")
    services.sync_directory(business=business)

    seen, after = [], None
    while True:
        page = selectors.search_people(business=business, query="person", after=after, limit=5)
        seen += [p.pk for p in page.people]
        if page.next_after is None:
            break
        after = page.next_after
    expected = list(
        Person.objects.filter(business=business)
        .order_by("sort_name", "id")
        .values_list("pk", flat=True)
    )
    assert seen == expected
    assert len(seen) == 12


def test_a_page_costs_one_query_whatever_the_cursor(business, people, django_assert_num_queries):
    first = selectors.search_people(business=business, limit=1)
    with django_assert_num_queries(1):
        selectors.search_people(business=business, after=first.next_after, limit=1)


def test_another_business_s_person_is_not_found(business, other_business, people):
    person = Person.objects.filter(business=business).first()

    assert selectors.person_of(business=business, person_id=person.pk) == person
    assert selectors.person_of(business=other_business, person_id=person.pk) is None


# The customer page


def _class(schedule, days: int, **kwargs) -> Event:
    start = (timezone.now() + timedelta(days=days)).astimezone(schedule.business.zone)
    return EventFactory(
        schedule=schedule, start_local=start.replace(tzinfo=None, microsecond=0), **kwargs
    )


@pytest.fixture
def ada(business, schedule):
    """Three past classes (checked in, no-show, not marked), a cancelled one, one ahead; an
    appointment past and one ahead; four credits; waiting second on a full class."""
    customer = CustomerFactory(
        business=business, first_name="Ada", last_name="Lovelace", email="ada@example.com"
    )
    ContingentFactory(customer=customer, name="10-class card", remaining_credits=4)
    for days, attendance in ((-10, Attendance.CHECKED_IN), (-5, Attendance.NO_SHOW), (-2, "")):
        ParticipationFactory(
            event=_class(schedule, days, title=f"Yoga {days}"),
            email="ada@example.com",
            attendance=attendance,
            customer=customer,
        )
    ParticipationFactory(
        event=_class(schedule, -1, title="Cancelled class"),
        email="ada@example.com",
        cancelled_date=timezone.now(),
    )
    ParticipationFactory(event=_class(schedule, 3, title="Pilates ahead"), email="Ada@example.com")
    AppointmentBookingFactory(
        appointment__business=business,
        appointment__title="Physio",
        customer=customer,
        start=timezone.now() - timedelta(days=7),
        end=timezone.now() - timedelta(days=7) + timedelta(hours=1),
        participant_status="PARTICIPATING",
    )
    AppointmentBookingFactory(
        appointment__business=business, appointment__title="Massage", customer=customer
    )
    full = _class(schedule, 5, title="Full class", total_capacity=1, remaining_capacity=0)
    WaitlistEntry.objects.create(business=business, event=full, name="Bob", position=1)
    WaitlistEntry.objects.create(
        business=business, event=full, name="Ada", email="ADA@example.com", position=2
    )
    services.sync_directory(business=business)
    return Person.objects.get(business=business, key="e:ada@example.com")


def test_the_customer_page_joins_classes_and_appointments(ada):
    page = selectors.customer_page(person=ada)

    assert [(v.kind, v.title) for v in page.upcoming] == [
        ("Appointment", "Massage"),
        ("Class", "Pilates ahead"),
    ]
    assert [(v.title, v.status, v.attendance) for v in page.past] == [
        ("Cancelled class", "Cancelled", ""),
        ("Yoga -2", "Confirmed", ""),
        ("Yoga -5", "Confirmed", "No-show"),
        ("Physio", "Booked", "Participating"),
        ("Yoga -10", "Confirmed", "Checked in"),
    ]
    # three classes and the appointment: the cancelled one is no visit
    assert page.past_total == 4
    assert (page.checked_in, page.no_shows) == (2, 1)  # the appointment's PARTICIPATING counts
    assert page.attendance_rate == 67
    assert [(e.event.title, e.position) for e in page.waiting] == [("Full class", 2)]
    assert [(c.name, c.remaining_credits) for c in page.credits] == [("10-class card", 4)]


def test_the_customer_page_lists_the_messages_sent_to_them(ada, schedule):
    ahead = Event.objects.get(title="Pilates ahead")
    Event.objects.filter(pk=ahead.pk).update(status=Event.Status.CANCELLED)
    queue_cancellation(event=ahead, event_ids=[ahead.pk], notify=True, message="")

    page = selectors.customer_page(person=ada)

    assert len(page.messages) == 1
    assert page.messages[0]["kind"] == "Cancelled"


def test_no_marks_yet_means_no_rate(business, schedule):
    ParticipationFactory(event=_class(schedule, -3), email="new@example.com")
    services.sync_directory(business=business)

    page = selectors.customer_page(person=Person.objects.get())

    assert page.past_total == 1
    assert page.attendance_rate is None


def test_the_figures_count_every_past_visit_not_only_those_listed(business, schedule):
    for day in range(selectors.LIST_SIZE + 5):
        ParticipationFactory(
            event=_class(schedule, -day - 1),
            email="many@example.com",
            attendance=Attendance.NO_SHOW if day % 5 == 0 else Attendance.CHECKED_IN,
        )
    services.sync_directory(business=business)

    page = selectors.customer_page(person=Person.objects.get(key="e:many@example.com"))

    assert len(page.past) == selectors.LIST_SIZE
    listed = [v.start for v in page.past]
    assert listed == sorted(listed, reverse=True)  # the latest first
    assert listed[-1] > Event.objects.order_by("start")[4].start  # the five oldest left out
    assert (page.past_total, page.checked_in, page.no_shows) == (25, 20, 5)


def test_the_soonest_classes_ahead_are_listed_and_whole_schedules_in_neither_list(
    business, schedule
):
    for day in (*range(1, selectors.LIST_SIZE + 6), -1, -2):
        ParticipationFactory(event=_class(schedule, day), email="keen@example.com")
    Participation.objects.create(business=business, schedule=schedule, email="keen@example.com")
    services.sync_directory(business=business)

    page = selectors.customer_page(person=Person.objects.get(key="e:keen@example.com"))

    ahead = [v.start for v in page.upcoming]
    soonest = list(
        Event.objects.filter(start__gt=timezone.now()).order_by("start")[: selectors.LIST_SIZE]
    )
    assert ahead == [e.start for e in soonest]
    assert len(page.past) == 2
    assert page.past_total == 2


def test_cancelled_appointments_are_listed_but_not_counted(business):
    customer = CustomerFactory(business=business, email="appointments@example.com")
    ago = timezone.now() - timedelta(days=3)

    def booking(title: str, **fields) -> None:
        AppointmentBookingFactory(
            appointment__business=business,
            appointment__title=title,
            customer=customer,
            start=ago,
            end=ago + timedelta(hours=1),
            **fields,
        )

    booking("Came", participant_status="PARTICIPATING")
    booking("Missed", participant_status="NOT_PARTICIPATING")
    booking("Called off", booking_status="CANCELED", participant_status="NOT_PARTICIPATING")
    booking("Withdrawn", cancelled_date=ago, participant_status="PARTICIPATING")
    services.sync_directory(business=business)

    page = selectors.customer_page(person=Person.objects.get(key="e:appointments@example.com"))

    assert sorted((v.title, v.status) for v in page.past) == [
        ("Called off", "Cancelled"),
        ("Came", "Booked"),
        ("Missed", "Booked"),
        ("Withdrawn", "Booked"),
    ]
    assert (page.past_total, page.checked_in, page.no_shows) == (2, 1, 1)


def test_the_page_costs_the_same_queries_for_two_or_forty_visits(
    business, schedule, django_assert_num_queries
):
    def page_queries(email: str, visits: int) -> int:
        for day in range(visits):
            ParticipationFactory(
                event=_class(schedule, -day - 1), email=email, attendance=Attendance.CHECKED_IN
            )
        services.sync_directory(business=business)
        person = selectors.person_of(
            business=business, person_id=Person.objects.get(key=f"e:{email}").pk
        )
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            selectors.customer_page(person=person)
        return len(queries)

    # the person's classes, appointments, waiting lists, credits and messages
    assert page_queries("two@example.com", 2) == page_queries("forty@example.com", 40) == 5


# The CSV


def test_the_csv_lists_every_visit_with_formulas_defused(business, schedule):
    customer = CustomerFactory(
        business=business,
        first_name="=HYPERLINK(1)",
        last_name="",
        email="x@example.com",
        phone="+49 30 1234",
    )
    ParticipationFactory(
        event=_class(schedule, -2, title="@SUM(A1)"),
        email="x@example.com",
        name="=HYPERLINK(1)",
        phone="+49 30 1234",
        attendance=Attendance.NO_SHOW,
    )
    AppointmentBookingFactory(
        appointment__business=business, appointment__title="Physio", customer=customer
    )
    services.sync_directory(business=business)
    person = PersonLink.objects.get(customer=customer).person

    text = "".join(selectors.customer_csv_lines(person=person)).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))

    assert rows[0] == [
        "Name",
        "'=HYPERLINK(1)",
        "Email",
        "x@example.com",
        "Phone",
        "\u200e+49 30 1234",
    ]
    assert rows[1] == selectors.CSV_COLUMNS
    assert [(r[0], r[1], r[5]) for r in rows[2:]] == [
        ("Class", "'@SUM(A1)", "No-show"),
        ("Appointment", "Physio", ""),
    ]
    assert datetime.strptime(rows[2][2], "%Y-%m-%d %H:%M")
