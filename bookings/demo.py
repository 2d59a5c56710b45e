"""The appointments part of the demo studio (``manage.py seed_demo``).

Three bookable services, working hours for every resource, 24 customers (most of them members
with credits, some without, one idle, one restricted, one former member) and a few bookings, so
every validation status can be seen on the booking screen. Safe to run again: a business that
already has bookable appointments is left as it is.
"""

import random
from datetime import date, time, timedelta

from bookings import selectors, services
from bookings.errors import BookingRefused
from bookings.models import (
    BookableAppointment,
    Contingent,
    Customer,
    IdlePeriod,
    WorkingHours,
    WorkingHoursOverride,
)
from calendar_app.models import Resource
from calendar_app.tenancy.models import Business

SEED = 20260701
WEEKDAYS, SATURDAY, SUNDAY = range(5), 5, 6
STAFF_HOURS = {**dict.fromkeys(WEEKDAYS, ("08:00", "20:00")), SATURDAY: ("09:00", "14:00")}
ROOM_HOURS = {
    **dict.fromkeys(WEEKDAYS, ("07:00", "22:00")),
    SATURDAY: ("08:00", "18:00"),
    SUNDAY: ("09:00", "17:00"),
}
CUSTOMERS = (
    ("Lena", "Müller"), ("Jonas", "Schmidt"), ("Mia", "Schneider"), ("Felix", "Fischer"),
    ("Emma", "Weber"), ("Paul", "Meyer"), ("Hannah", "Wagner"), ("Luca", "Becker"),
    ("Sofia", "Hoffmann"), ("Noah", "Schulz"), ("Clara", "Koch"), ("Elias", "Richter"),
    ("Marie", "Klein"), ("Finn", "Wolf"), ("Ida", "Neumann"), ("Leon", "Braun"),
    ("Greta", "Zimmermann"), ("Theo", "Krüger"), ("Nora", "Hartmann"), ("Anton", "Lange"),
    ("Ella", "Schmitt"), ("Oskar", "Werner"), ("Lotta", "Krause"), ("Karl", "Lehmann"),
)  # fmt: skip
NO_CREDITS = {("Finn", "Wolf"), ("Ida", "Neumann"), ("Leon", "Braun")}
IDLE = ("Greta", "Zimmermann")
RESTRICTED = ("Theo", "Krüger")  # rate "Basic": the reformer sessions are for Premium and Flex
FORMER = ("Nora", "Hartmann")
PROSPECTS = {("Ella", "Schmitt"), ("Oskar", "Werner")}


def seed_bookings_demo(*, business: Business, today: date) -> str:
    """Add the appointments demo to ``business`` unless it has bookable appointments already."""
    if BookableAppointment.objects.filter(business=business).exists():
        return "appointments already loaded"
    resources = {r.name: r for r in Resource.objects.filter(business=business)}
    _working_hours(resources.values(), today)
    staff = [r for r in resources.values() if r.type == Resource.Type.STAFF]
    rooms = [r for r in resources.values() if r.type == Resource.Type.ROOM]
    equipment = [r for r in resources.values() if r.type == Resource.Type.EQUIPMENT]
    by_name = {r.name.split()[0]: r for r in staff}
    training = _service(
        business,
        "Personal training",
        60,
        "Training",
        "One to one with a trainer of your choice, in a studio.",
        staff=staff,
        rooms=rooms,
        slot_step_minutes=30,
        buffer_after_minutes=15,
        minimum_notice_minutes=120,
    )
    physio = _service(
        business,
        "Physio check",
        30,
        "Health",
        "A short physiotherapy assessment.",
        staff=[by_name.get("Carla", staff[0])],
        slot_step_minutes=15,
        booking_limit_per_customer=1,
    )
    reformer = _service(
        business,
        "Reformer session",
        50,
        "Pilates",
        "A private session on a reformer.",
        staff=[by_name.get("Carla", staff[0]), by_name.get("Anna", staff[0])],
        equipment=equipment,
        slot_step_minutes=30,
        buffer_before_minutes=10,
        allowed_rates=["Premium", "Flex"],
    )
    customers = _customers(business, today)
    booked = _bookings(business, [training, physio, reformer], customers, today)
    return f"3 bookable services, {len(customers)} customers, {booked} bookings"


def _working_hours(resources, today: date) -> None:
    hours = []
    for resource in resources:
        table = STAFF_HOURS if resource.type == Resource.Type.STAFF else ROOM_HOURS
        hours += [
            WorkingHours(resource=resource, weekday=day, start_time=start, end_time=end)
            for day, (start, end) in table.items()
        ]
    WorkingHours.objects.bulk_create(hours)
    staff = sorted((r for r in resources if r.type == Resource.Type.STAFF), key=lambda r: r.name)
    next_monday = today + timedelta(days=7 - today.weekday())
    if staff:
        WorkingHoursOverride.objects.create(
            resource=staff[-1], date=next_monday + timedelta(days=4), closed=True, note="Holiday"
        )
    if len(staff) > 1:
        WorkingHoursOverride.objects.create(
            resource=staff[1],
            date=next_monday + timedelta(days=6),
            start_time=time(10),
            end_time=time(14),
            note="Extra Sunday shift",
        )


def _service(
    business, title, minutes, category, description, *, staff, rooms=(), equipment=(), **options
) -> BookableAppointment:
    service = BookableAppointment.objects.create(
        business=business,
        title=title,
        duration_minutes=minutes,
        category=category,
        description=description,
        earliest_booking_days=30,
        cancellation_deadline_minutes=12 * 60,
        **options,
    )
    service.staff.set(staff)
    service.rooms.set(rooms)
    service.equipment.set(equipment)
    return service


def _customers(business: Business, today: date) -> list[Customer]:
    rng = random.Random(SEED)
    customers = []
    for first, last in CUSTOMERS:
        status = Customer.Status.MEMBER
        if (first, last) in PROSPECTS:
            status = Customer.Status.PROSPECT
        elif (first, last) == FORMER:
            status = Customer.Status.FORMER_MEMBER
        email = f"{first}.{last}@example.com".lower().replace("ü", "ue").replace("ö", "oe")
        customer = Customer.objects.create(
            business=business,
            first_name=first,
            last_name=last,
            email=email,
            phone=f"+49 151 {rng.randint(1000000, 9999999)}",
            status=status,
            rate="Basic" if (first, last) == RESTRICTED else rng.choice(("Premium", "Flex")),
        )
        if (first, last) not in NO_CREDITS and status != Customer.Status.FORMER_MEMBER:
            Contingent.objects.create(
                customer=customer, name="10-session card", remaining_credits=rng.randint(4, 10)
            )
        if (first, last) == IDLE:
            IdlePeriod.objects.create(
                customer=customer,
                start_date=today,
                end_date=today + timedelta(days=21),
                reason="Travelling",
            )
        customers.append(customer)
    return customers


def _bookings(business, services_, customers, today: date) -> int:
    """Book the first free slots of the coming days for a few members (through the service)."""
    booked = 0
    members = [c for c in customers if c.contingents.filter(remaining_credits__gt=0).exists()]
    for index, customer in enumerate(members[:6]):
        service = services_[index % len(services_)]
        start_date = today + timedelta(days=1 + index)
        slots = selectors.available_slots(
            appointment=service, slot_window_start_date=start_date, days_ahead=6
        )
        for slot in slots[index * 3 :]:
            try:
                services.book_appointment(
                    actor=None,
                    appointment=service,
                    customer=customer,
                    start=slot.start,
                    end=slot.end,
                    instructor_ids=[slot.instructors[0].id],
                    notify=False,  # demo customers get no confirmations
                )
            except BookingRefused:
                continue
            booked += 1
            break
    return booked
