"""Load the demo studio shown by ``make run``: logins, schedules, resources, events, participants,
and the appointments demo (services, working hours, customers, bookings: ``bookings.demo``).

Safe to run twice: when the business ``demo-studio`` exists the command changes nothing (the
appointments part is added once to a demo loaded before it existed). The
content is fixed by a seeded random generator, placed around the current week, and written
through the calendar services (``actor=None``, the system) so the audit trail has it too.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from bookings.demo import seed_bookings_demo
from calendar_app import services
from calendar_app.models import Event, Resource
from calendar_app.recurrence import DAYS, weekly_rule
from calendar_app.tenancy.models import Business, Membership
from participants.customers.services import sync_directory
from participants.models import Participation
from participants.services import add_participation

SLUG = "demo-studio"
TIME_ZONE = "Europe/Berlin"
SEED = 20250101
OWNER_LOGIN = ("owner", "demo-owner-pass")
STAFF_LOGIN = ("staff", "demo-staff-pass")
ADMIN_LOGIN = ("admin", "demo-admin-pass")
LOGINS = (
    ("owner", *OWNER_LOGIN),
    ("staff", *STAFF_LOGIN),
    ("admin (Django admin at /admin/)", *ADMIN_LOGIN),
)
STUDIO = {"type": "CUSTOM", "name": "Demo Studio", "address": "Torstraße 1, 10119 Berlin"}
CONFERENCING = {
    "type": "CUSTOM",
    "guestUrl": "https://meet.example.com/demo-yoga",
    "hostUrl": "https://meet.example.com/demo-yoga?host=1",
}
TRAINERS = ("Anna Becker", "Ben Okafor", "Carla Ruiz")
ROOMS = ("Studio A", "Studio B")
EQUIPMENT = ("Reformer 1", "Reformer 2")

FIRST_NAMES = (
    "Lena", "Jonas", "Mia", "Felix", "Emma", "Paul", "Hannah", "Luca", "Sofia", "Noah",
    "Clara", "Elias", "Marie", "Finn", "Ida", "Leon", "Greta", "Theo", "Nora", "Anton",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Hoffmann", "Schulz", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Braun",
)  # fmt: skip
CLASS_TITLES = (
    "Power Yoga", "Barre", "Mobility", "Core Express", "Kettlebell Basics", "Dance Cardio",
    "Meditation", "Body Pump",
)  # fmt: skip


ANNA, BEN, CARLA = TRAINERS
CLASSES, PERSONAL, RENTALS = "Group classes", "Personal training", "Rooms"
EVENT_TYPE = {CLASSES: "CLASS", PERSONAL: "APPOINTMENT", RENTALS: "DEFAULT"}


@dataclass(frozen=True)
class Series:
    day: str
    start: str
    minutes: int
    title: str
    schedule: str
    resources: tuple[str, ...]


# A dozen weekly series, one MASTER each (the spec allows one weekday per MASTER).
SERIES = [
    Series(*row)
    for row in (
        ("MONDAY", "07:30", 60, "Morning Yoga", CLASSES, (ANNA, "Studio A")),
        ("MONDAY", "19:30", 75, "Yin Yoga", CLASSES, (ANNA, "Studio B")),
        ("TUESDAY", "07:00", 45, "Boxing Fit", CLASSES, (BEN, "Studio B")),
        ("TUESDAY", "18:00", 60, "Reformer Pilates", CLASSES, (CARLA, "Studio A", *EQUIPMENT)),
        ("WEDNESDAY", "12:00", 60, "Personal training with Carla", PERSONAL, (CARLA,)),
        ("WEDNESDAY", "18:30", 45, "HIIT", CLASSES, (BEN, "Studio A")),
        ("THURSDAY", "09:00", 75, "Vinyasa Flow", CLASSES, (ANNA, "Studio A")),
        ("THURSDAY", "20:00", 120, "Studio B rental: Tango club", RENTALS, ("Studio B",)),
        ("FRIDAY", "07:00", 45, "Spin", CLASSES, (BEN, "Studio B")),
        ("FRIDAY", "16:00", 60, "Personal training with Ben", PERSONAL, (BEN,)),
        ("SATURDAY", "10:00", 90, "Weekend Yoga", CLASSES, (ANNA, "Studio A")),
        ("SUNDAY", "11:00", 60, "Sunday Stretch", CLASSES, (CARLA, "Studio B")),
    )
]  # fmt: skip


class Occupancy:
    """Who is busy when (wall-clock), so the demo never double-books a trainer or a room."""

    def __init__(self) -> None:
        self.busy: dict[str, list[tuple[datetime, datetime]]] = {}

    def is_free(self, resource: str, start: datetime, end: datetime) -> bool:
        return all(end <= s or start >= e for s, e in self.busy.get(resource, []))

    def take(self, resources, start: datetime, end: datetime) -> None:
        for resource in resources:
            self.busy.setdefault(resource, []).append((start, end))


class Command(BaseCommand):
    help = "Load the demo studio (logins, schedules, resources, events, participants)."

    def handle(self, *args, **options) -> None:
        if Business.objects.filter(slug=SLUG).exists():
            self.stdout.write(f"Demo data already loaded (business '{SLUG}'); nothing changed.")
        else:
            with transaction.atomic():
                summary = DemoBuilder(today=datetime.now(ZoneInfo(TIME_ZONE)).date()).build()
            self.stdout.write(self.style.SUCCESS(f"Demo Studio loaded: {summary}."))
        with transaction.atomic():
            appointments = seed_bookings_demo(
                business=Business.objects.get(slug=SLUG),
                today=datetime.now(ZoneInfo(TIME_ZONE)).date(),
            )
        self.stdout.write(f"Appointments: {appointments}.")
        linked = sync_directory(business=Business.objects.get(slug=SLUG))
        self.stdout.write(f"Customers: {linked} records added to the directory.")
        for role, username, password in LOGINS:
            self.stdout.write(f"  {role}: {username} / {password}")


class DemoBuilder:
    def __init__(self, *, today: date) -> None:
        self.today = today
        self.monday: date = self.today - timedelta(days=self.today.weekday())
        self.rng = random.Random(SEED)
        self.occupancy = Occupancy()

    def build(self) -> str:
        self.business = Business.objects.create(name="Demo Studio", slug=SLUG, time_zone=TIME_ZONE)
        self._people()
        self.schedules = {
            name: services.create_schedule(
                actor=None,
                business=self.business,
                name=name,
                default_capacity=capacity,
                default_location=STUDIO,
            )
            for name, capacity in ((CLASSES, 12), (PERSONAL, 1), (RENTALS, None))
        }
        self.resources = {
            name: Resource.objects.create(business=self.business, name=name, type=kind)
            for names, kind in (
                (TRAINERS, Resource.Type.STAFF),
                (ROOMS, Resource.Type.ROOM),
                (EQUIPMENT, Resource.Type.EQUIPMENT),
            )
            for name in names
        }
        self._series()
        self._blocked_time()
        self._online_class()
        self._single_events()
        self._cancel_one_occurrence()
        self._participants()
        events = Event.objects.filter(business=self.business)
        return (
            f"{events.filter(recurrence_type=Event.RecurrenceType.MASTER).count()} weekly series, "
            f"{events.filter(recurrence_type=Event.RecurrenceType.NONE).count()} single events, "
            f"{Participation.objects.filter(business=self.business).count()} participants"
        )

    def _people(self) -> None:
        User = get_user_model()
        for (username, password), role in (
            (OWNER_LOGIN, Membership.Role.OWNER),
            (STAFF_LOGIN, Membership.Role.STAFF),
        ):
            user, _ = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@demo-studio.example"}
            )
            user.set_password(password)
            user.save()
            Membership.objects.get_or_create(
                user=user, business=self.business, defaults={"role": role}
            )
        username, password = ADMIN_LOGIN
        if not User.objects.filter(username=username).exists():
            User.objects.create_superuser(username, "admin@demo-studio.example", password)

    def _at(self, day: date, start: time, minutes: int) -> tuple[datetime, datetime]:
        begin = datetime.combine(day, start)
        return begin, begin + timedelta(minutes=minutes)

    def _series(self) -> None:
        """Weekly series starting this week's Monday, so the current week shows them."""
        for series in SERIES:
            day = self.monday + timedelta(days=DAYS.index(series.day))
            start, end = self._at(day, time.fromisoformat(series.start), series.minutes)
            services.create_event(
                actor=None,
                schedule=self.schedules[series.schedule],
                title=series.title,
                type=EVENT_TYPE[series.schedule],
                start_local=start,
                end_local=end,
                resource_ids=[self.resources[name].pk for name in series.resources],
                recurrence_rule=weekly_rule(day=series.day),
            )
            for week in range(-3, 5):
                self.occupancy.take(
                    series.resources,
                    start + timedelta(weeks=week),
                    end + timedelta(weeks=week),
                )

    def _blocked_time(self) -> None:
        """Both studios closed for floor maintenance on Saturday afternoon this week."""
        start, end = self._at(self.monday + timedelta(days=5), time(13, 0), 240)
        services.block_time(
            actor=None,
            business=self.business,
            resource_ids=[self.resources[name].pk for name in ROOMS],
            start_local=start,
            end_local=end,
            reason="floor maintenance",
        )
        self.occupancy.take(ROOMS, start, end)

    def _online_class(self) -> None:
        start, end = self._at(self.today + timedelta(days=1), time(20, 0), 60)
        services.create_event(
            actor=None,
            schedule=self.schedules[CLASSES],
            title="Live online yoga",
            type=Event.Type.CLASS,
            start_local=start,
            end_local=end,
            location={"type": "CUSTOM", "name": "Online"},
            conferencing_details=CONFERENCING,
            total_capacity=30,
        )

    def _single_events(self, count: int = 40) -> None:
        """Classes and appointments over three weeks either side of today."""
        rng = self.rng
        created = 0
        while created < count:
            day = self.today + timedelta(days=rng.randint(-21, 21))
            start_time = time(rng.choice((8, 9, 10, 11, 12, 14, 15, 16, 17)), rng.choice((0, 30)))
            if rng.random() < 0.55:
                schedule, kind = self.schedules[CLASSES], Event.Type.CLASS
                title = rng.choice(CLASS_TITLES)
                start, end = self._at(day, start_time, rng.choice((45, 60, 75)))
                wanted = [rng.choice(TRAINERS), rng.choice(ROOMS)]
            else:
                schedule, kind = self.schedules[PERSONAL], Event.Type.APPOINTMENT
                client = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                title = f"Personal training: {client}"
                start, end = self._at(day, start_time, rng.choice((45, 60)))
                wanted = [rng.choice(TRAINERS)]
            if rng.random() < 0.25:
                wanted = []  # some events use no resource at all
            resources = [name for name in wanted if self.occupancy.is_free(name, start, end)]
            self.occupancy.take(resources, start, end)
            event = services.create_event(
                actor=None,
                schedule=schedule,
                title=title,
                type=kind,
                start_local=start,
                end_local=end,
                resource_ids=[self.resources[name].pk for name in resources],
            )
            if kind == Event.Type.APPOINTMENT:
                self._sign_up(event, client)
            created += 1

    def _cancel_one_occurrence(self) -> None:
        """Next week's Spin class is off: a cancelled occurrence to show in the calendar."""
        day = self.monday + timedelta(days=7 + DAYS.index("FRIDAY"))
        occurrence = Event.objects.get(
            business=self.business,
            title="Spin",
            recurrence_type=Event.RecurrenceType.INSTANCE,
            start_local_date__startswith=day.isoformat(),
        )
        services.cancel_event(actor=None, event=occurrence, expected_revision=occurrence.revision)

    def _participants(self) -> None:
        """Sign people up for classes and appointments from last week to two weeks ahead."""
        rng = self.rng
        events = Event.objects.filter(
            business=self.business,
            status=Event.Status.CONFIRMED,
            type__in=(Event.Type.CLASS, Event.Type.APPOINTMENT),
            recurrence_type__in=(Event.RecurrenceType.NONE, Event.RecurrenceType.INSTANCE),
            start_local_date__gte=(self.monday - timedelta(weeks=1)).isoformat(),
            start_local_date__lt=(self.monday + timedelta(weeks=3)).isoformat(),
            remaining_capacity__gt=0,
        ).order_by("start", "title", "schedule__name")  # ids are random: never order by them here
        for event in events:
            places = min(event.remaining_capacity, rng.randint(3, 11))
            taken = 0
            while taken < places:
                party_size = 2 if rng.random() < 0.15 and taken + 2 <= places else 1
                self._sign_up(
                    event, f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", party_size
                )
                taken += party_size

    def _sign_up(self, event: Event, name: str, party_size: int = 1) -> None:
        rng = self.rng
        add_participation(
            actor=None,
            event=event,
            name=name,
            email=f"{name.replace(' ', '.')}@example.com".lower().replace("ü", "ue"),
            phone=f"+49 151 {rng.randint(1000000, 9999999)}",
            party_size=party_size,
            status=(
                Participation.Status.PENDING_CONFIRMATION
                if rng.random() < 0.1
                else Participation.Status.CONFIRMED
            ),
            notify=False,  # demo people get no confirmations
        )
