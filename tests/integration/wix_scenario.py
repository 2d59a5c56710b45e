"""The Calendar V3 scenario of the integration tests: a mixed upstream history made on the fake,
its 1,000 deliveries (every change once, 20% duplicated, 10% stale-revision copies under new
delivery ids, shuffled), and the comparison of the local mirror with the fake's final state."""

import copy
import random
import uuid
from datetime import datetime, timedelta

from calendar_app.models import Event, Schedule
from calendar_app.wix.mapping import parse_instant
from calendar_app.wix.models import WebhookDelivery
from participants.models import Participation
from tests.fakes import wix_signing as signing
from tests.fakes.wix_server import FakeWixServer

DELIVERIES = 1_000
UNIQUE_CHANGES = 700


def make_changes(fake: FakeWixServer, rng: random.Random) -> None:
    """Drive the fake through a mixed history until it has recorded ``UNIQUE_CHANGES``."""
    today = datetime.now().replace(hour=8, minute=0, second=0, microsecond=0)
    beyond_view = fake.view_end.replace(tzinfo=None) + timedelta(days=20)
    schedules = [fake.add_schedule(name="Classes"), fake.add_schedule(name="Courses")]
    events = [
        fake.add_event(
            schedule_id=rng.choice(schedules)["id"],
            start_local=today + timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 10)),
            end_local=today + timedelta(days=61, hours=12),
            title=f"Class {n}",
        )["id"]
        for n in range(120)
    ]
    stable, movable = events[:20], events[20:]  # participations only on events that stay put
    masters = []
    for n in range(4):
        master, instances = fake.add_series(
            schedule_id=schedules[0]["id"],
            start_local=today + timedelta(days=n + 1, hours=9),
            duration=timedelta(hours=1),
            weeks=8,
        )
        masters.append(master["id"])
        movable += [instance["id"] for instance in instances]
    regenerated = 0
    while len(fake.changes) < UNIQUE_CHANGES:
        roll = rng.random()
        live = [e for e in movable if e in fake.events and fake.events[e]["status"] != "CANCELLED"]
        if roll < 0.30 and live:
            event_id = rng.choice(live + stable)
            if fake.events[event_id]["status"] != "CANCELLED":
                fake.update_event(event_id, title=f"Renamed {rng.randint(1, 10**6)}")
        elif roll < 0.36 and live:
            fake.cancel_event(rng.choice(live))
        elif roll < 0.44 and live:  # out of the view, and often back again
            event_id = rng.choice(live)
            fake.move_event(
                event_id, start_local=beyond_view, end_local=beyond_view + timedelta(hours=1)
            )
            if rng.random() < 0.6:
                back = today + timedelta(days=rng.randint(1, 60))
                fake.move_event(event_id, start_local=back, end_local=back + timedelta(hours=2))
        elif roll < 0.50 and live:
            fake.remove_event(rng.choice(live))
        elif roll < 0.52 and regenerated < 2:
            movable += [i["id"] for i in fake.regenerate_instances(masters[regenerated])]
            regenerated += 1
        else:
            event_id = rng.choice(stable)
            mine = [p for p in fake.participations.values() if p["eventId"] == event_id]
            if len(mine) < 3 or not mine:
                fake.add_participation(event_id=event_id, name=f"P{rng.randint(1, 999)}")
            elif rng.random() < 0.5:
                fake.update_participation(rng.choice(mine)["id"], partySize=rng.randint(1, 2))
            else:
                fake.delete_participation(rng.choice(mine)["id"])
    assert regenerated == 2


def deliveries_of(fake: FakeWixServer, rng: random.Random) -> list[dict]:
    """Every change once, 200 of them twice, and stale-revision copies up to 1,000."""
    unique = [change.domain_event() for change in fake.changes]
    duplicates = rng.sample(unique, k=DELIVERIES // 5)
    older = [
        change
        for change in fake.changes
        if change.kind == "event"
        and change.action != "removed"
        and change.revision < _final_revision(fake, change.entity["id"])
    ]
    stale = []
    for change in rng.sample(older, k=DELIVERIES - len(unique) - len(duplicates)):
        copy_of_old = copy.deepcopy(change)
        copy_of_old.webhook_id = str(uuid.uuid4())
        stale.append(copy_of_old.domain_event())
    everything = unique + duplicates + stale
    rng.shuffle(everything)
    assert len(everything) == DELIVERIES
    assert len(stale) >= DELIVERIES // 10 - 5  # the last operation may overshoot a little
    return everything


def _final_revision(fake: FakeWixServer, event_id: str) -> int:
    final = fake.events.get(event_id) or fake.removed_events[event_id]
    return int(final["revision"])


def assert_mirror_equals(fake: FakeWixServer, connection) -> None:
    """Ids, revisions, status, times, titles and removal of every event; participations and
    schedules by id and revision."""
    local = {e.pk: e for e in Event.objects.filter(business=connection.business)}
    for event_id, upstream in fake.events.items():
        if upstream["recurrenceType"] == "MASTER":
            continue  # never sent by the projection webhook (spec §5.4)
        stored = local.pop(event_id, None)
        in_view = parse_instant(upstream["start"]["utcDate"]) < fake.view_end
        if not in_view:  # removed here when it left; later changes outside are not sent
            assert stored is None or (
                stored.removed_date is not None and stored.revision <= int(upstream["revision"])
            ), event_id
            continue
        assert stored is not None, f"{event_id} is missing"
        assert stored.removed_date is None, event_id
        assert stored.revision == int(upstream["revision"]), event_id
        assert stored.status == upstream["status"], event_id
        assert stored.title == upstream["title"], event_id
        assert stored.start == parse_instant(upstream["start"]["utcDate"]), event_id
        assert stored.end == parse_instant(upstream["end"]["utcDate"]), event_id
        assert stored.recurrence_type == upstream["recurrenceType"], event_id
    for event_id, upstream in fake.removed_events.items():
        stored = local.pop(event_id, None)
        assert stored is None or (
            stored.removed_date is not None and stored.revision == int(upstream["revision"])
        ), event_id
    assert not [e for e in local.values() if e.recurrence_type != "MASTER"], "extra events"

    participations = dict(
        Participation.objects.filter(cancelled_date__isnull=True).values_list("pk", "revision")
    )
    assert participations == {p["id"]: int(p["revision"]) for p in fake.participations.values()}
    schedules = dict(
        Schedule.objects.filter(business=connection.business).values_list("pk", "revision")
    )
    assert schedules == {s["id"]: int(s["revision"]) for s in fake.schedules.values()}


def settled(expected_rows: int):
    def check() -> bool:
        rows = WebhookDelivery.objects.count()
        return (
            rows == expected_rows and not WebhookDelivery.objects.filter(status="received").exists()
        )

    return check


def signed_scenario(fake: FakeWixServer, connection, *, seed: int = 6) -> tuple[list[str], int]:
    """The scenario's deliveries signed as Wix signs them, and how many distinct ones."""
    rng = random.Random(seed)
    make_changes(fake, rng)
    domain_events = deliveries_of(fake, rng)
    tokens = [
        signing.sign(d, instance_id=connection.instance_id, expires_in=600) for d in domain_events
    ]
    return tokens, len({d["id"] for d in domain_events})
