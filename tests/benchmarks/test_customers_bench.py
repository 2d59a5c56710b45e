"""The Customers pages: the search over 20,000 people, and a customer page with 500 past visits."""

import random
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from calendar_app.models import Event
from participants.customers.directory import person_fields
from participants.customers.models import Person, PersonLink
from participants.customers.services import sync_directory
from participants.models import Participation
from tests.benchmarks.conftest import time_get
from tests.factories import (
    AppointmentBookingFactory,
    BookableAppointmentFactory,
    ContingentFactory,
    CustomerFactory,
    EventFactory,
)

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

PEOPLE = 20_000
VISITS = 500
# The targets, printed beside each figure (wall-clock p50 on an unloaded machine): timings are
# reported, query budgets asserted.
SEARCH_P50_MS = 30
PAGE_P50_MS = 40
# Whatever the number of people: the session, the user, their memberships and businesses, then
# one query for the page of people (keyset-paged, no count).
SEARCH_QUERIES = 4
# Whatever the number of visits: the session, the user, their memberships and businesses, the
# person, their classes and appointments (each one query: past and upcoming, with the figures),
# waiting, credits and messages.
PAGE_QUERIES = 9


def _people(business) -> None:
    rng = random.Random(18)
    first = ["Ada", "Ben", "Cleo", "Dan", "Eva", "Finn", "Greta", "Hugo", "Ida", "Jonas"]
    last = ["Schmidt", "Meyer", "Weber", "Wagner", "Becker", "Hoffmann", "Koch", "Richter"]
    rows = []
    for n in range(PEOPLE):
        name = f"{rng.choice(first)} {rng.choice(last)} {n:05d}"
        email = f"person{n}@example.com"
        phone = f"+49 151 {10_000_000 + n * 37}"
        rows.append(
            Person(
                business=business,
                key=f"e:{email}",
                **person_fields(name=name, email=email, phone=phone),
            )
        )
    Person.objects.bulk_create(rows, batch_size=2000)


def test_customers_search_server_time(require_postgresql, owner_client, business, report):
    _people(business)
    url = reverse("customers:list")

    listing = time_get(owner_client, url)
    by_name = time_get(owner_client, f"{url}?q=greta+weber")
    by_phone = time_get(owner_client, f"{url}?q=0151+10001")
    by_email = time_get(owner_client, f"{url}?q=person1999")
    last_page = Person.objects.filter(business=business).order_by("-sort_name", "-id")[30]
    deep = time_get(owner_client, f"{url}?after={last_page.pk}")

    by_short = time_get(owner_client, f"{url}?q=zq")  # no trigram: a scan, no match

    target = f" [target p50 <= {SEARCH_P50_MS} ms]"
    report(listing.line(f"customers list ({PEOPLE:,} people, first page)") + target)
    report(by_name.line(f"customers search by name over {PEOPLE:,}") + target)
    report(by_phone.line(f"customers search by phone over {PEOPLE:,}") + target)
    report(by_email.line(f"customers search by email over {PEOPLE:,}") + target)
    report(by_short.line(f"customers search, two letters, over {PEOPLE:,}") + target)
    report(deep.line(f"customers list, last page of {PEOPLE:,}") + target)
    for timing in (listing, by_name, by_phone, by_email, by_short, deep):
        assert timing.queries == SEARCH_QUERIES


def _regular(business, schedule, *, email: str, visits: int):
    """A member with ``visits`` past classes (most marked), ten appointments and two cards."""
    customer = CustomerFactory(business=business, email=email)
    ContingentFactory.create_batch(2, customer=customer)
    first = datetime.now(business.zone).replace(
        tzinfo=None, hour=18, minute=0, second=0, microsecond=0
    )
    events = [
        EventFactory.build(schedule=schedule, start_local=first - timedelta(days=day + 1))
        for day in range(visits)
    ]
    Event.objects.bulk_create(events, batch_size=1000)
    marks = ["CHECKED_IN", "CHECKED_IN", "NO_SHOW", ""]
    Participation.objects.bulk_create(
        [
            Participation(
                business=business,
                event=event,
                name="Regular",
                email=email,
                customer=customer,
                attendance=marks[n % len(marks)],
            )
            for n, event in enumerate(events)
        ],
        batch_size=1000,
    )
    appointment = BookableAppointmentFactory(business=business)
    AppointmentBookingFactory.create_batch(10, appointment=appointment, customer=customer)
    sync_directory(business=business)
    return PersonLink.objects.get(customer=customer).person


def test_customer_page_server_time(require_postgresql, owner_client, business, schedule, report):
    regular = _regular(business, schedule, email="regular@example.com", visits=VISITS)
    newcomer = _regular(business, schedule, email="new@example.com", visits=1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would after such a load: real plans

    timing = time_get(owner_client, reverse("customers:detail", args=[regular.pk]))
    small = time_get(owner_client, reverse("customers:detail", args=[newcomer.pk]), runs=3)

    report(
        timing.line(f"customer page ({VISITS} past visits)") + f" [target p50 <= {PAGE_P50_MS} ms]"
    )
    report(small.line("customer page (1 past visit)"))
    assert timing.queries == small.queries
    assert timing.queries <= PAGE_QUERIES
