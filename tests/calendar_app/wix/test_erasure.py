"""An owner's erase of a person reaches the Wix copies of their participations (through the
fake Calendar V3 server on loopback): blanked there, kept, retried while Wix is down, shown on
the sync health page when it fails, and never brought back by a later copy."""

from datetime import timedelta

import pytest
from django.urls import reverse

from calendar_app.models import ChangeRecord, Event
from calendar_app.wix import services as wix_services
from calendar_app.wix import tasks
from calendar_app.wix.apply import apply_remote_event, apply_remote_participation
from calendar_app.wix.mapping import WIX_BOOKINGS_APP_ID
from calendar_app.wix.models import WixErasure
from participants import services as participant_services
from participants.customers import services as customer_services
from participants.customers.directory import ANONYMISED_NAME
from participants.customers.models import Person, PersonLink
from participants.models import Participation
from tests.factories import (
    MembershipFactory,
    ParticipationFactory,
    WixConnectionFactory,
    days_ahead_at_ten,
)

pytestmark = pytest.mark.django_db

START = days_ahead_at_ten(3)
PATH = "/calendar/v3/participations/"


@pytest.fixture
def owner(wix_server):
    connection = WixConnectionFactory.mirroring(wix_server)
    return MembershipFactory(business=connection.business, role="owner")


def upstream_class(wix_server, owner, *, app_id: str = "") -> Event:
    connection = owner.business.wix_connection
    schedule = wix_server.add_schedule(name="Yoga", app_id=app_id)
    data = wix_server.add_event(
        schedule_id=schedule["id"],
        start_local=START,
        end_local=START + timedelta(hours=1),
        total_capacity=5,
    )
    apply_remote_event(connection=connection, data=data, source="webhook")
    return Event.objects.get(pk=data["id"])


@pytest.fixture
def ada(wix_server, owner):
    """Ada in an upstream class (through write-through) and in another whose Wix copy was
    deleted (cancelled here), with Bob beside her; returns her directory entry."""
    event = upstream_class(wix_server, owner)
    first, _ = participant_services.add_participation(
        actor=owner, event=event, name="Ada", email="ada@example.com", phone="0151 1"
    )
    participant_services.add_participation(actor=owner, event=event, name="Bob")
    other = upstream_class(wix_server, owner)
    second, _ = participant_services.add_participation(
        actor=owner, event=other, name="Ada", email="ada@example.com"
    )
    participant_services.cancel_participation(
        actor=owner, participation=second, expected_revision=second.revision
    )
    return PersonLink.objects.get(participation=first).person


def erase(owner, person, django_capture_on_commit_callbacks):
    """The erase as the page makes it; the tasks queued on its commit then run here."""
    with django_capture_on_commit_callbacks() as queued:
        erased = customer_services.erase_person(actor=owner, person=person)
    run_erasures(queued)
    return erased


def run_erasures(callbacks) -> int:
    """Run the erasure tasks among captured on-commit callbacks, in this process as a worker
    would (retries included); returns how many there were."""
    name = tasks.erase_participation.name
    queued = [
        c.args
        for c in callbacks
        if getattr(getattr(getattr(c, "func", None), "__self__", None), "name", "") == name
    ]
    for args in queued:
        tasks.erase_participation.apply(args=args)
    return len(queued)


def upstream(wix_server, name: str = "") -> list[dict]:
    return [
        p["participant"]
        for p in wix_server.participations.values()
        if not name or p["participant"]["name"] == name
    ]


def patches(wix_server) -> list[dict]:
    return [body for method, path, body in wix_server.requests if method == "PATCH"]


def test_the_erase_blanks_the_wix_copy_and_keeps_the_participation(
    wix_server, owner, ada, django_capture_on_commit_callbacks
):
    erased = erase(owner, ada, django_capture_on_commit_callbacks)

    assert (erased.participations, erased.upstream_participations) == (2, 1)
    assert len(wix_server.participations) == 2  # Ada's (blanked) and Bob's: the count stays
    assert upstream(wix_server) == [
        {"name": ANONYMISED_NAME, "email": "", "phone": ""},
        {"name": "Bob"},
    ]
    [patch] = patches(wix_server)  # the cancelled copy is gone from Wix: nothing to patch
    assert set(patch["participation"]) == {"revision", "participant"}
    erasure = WixErasure.objects.get()
    assert (erasure.status, erasure.attempts, erasure.error) == ("done", 1, "")
    row = Participation.objects.get(pk=erasure.participation_id)
    assert (row.name, row.email, row.phone) == (ANONYMISED_NAME, "", "")
    assert row.revision == int(wix_server.participations[row.pk]["revision"])
    record = ChangeRecord.objects.get(action="erase")
    assert record.changes["upstream_participations"] == [1, 1]
    assert ChangeRecord.objects.filter(
        object_id=row.pk, action="update", source="write_through", actor_kind="upstream"
    ).exists()
    assert list(Person.objects.values_list("name", flat=True)) == ["Bob"]


def test_a_participation_of_a_wix_bookings_event_is_left_to_bookings(
    wix_server, owner, django_capture_on_commit_callbacks
):
    event = upstream_class(wix_server, owner, app_id=WIX_BOOKINGS_APP_ID)
    booked = wix_server.add_participation(
        event_id=event.pk, name="Ada", participant={"email": "ada@example.com"}
    )
    apply_remote_participation(
        connection=owner.business.wix_connection, data=booked, source="webhook"
    )
    customer_services.sync_directory(business=owner.business)

    erase(owner, Person.objects.get(), django_capture_on_commit_callbacks)

    assert Participation.objects.get().name == ANONYMISED_NAME  # here, as for any business
    assert upstream(wix_server) == [{"name": "Ada", "email": "ada@example.com"}]
    assert patches(wix_server) == []
    assert not WixErasure.objects.exists()


def test_wix_down_for_a_while_is_retried_until_the_copy_is_blanked(
    wix_server, owner, ada, django_capture_on_commit_callbacks
):
    wix_server.script(503, 503, 503, path=PATH)  # two attempts per task run, then a third

    erase(owner, ada, django_capture_on_commit_callbacks)

    erasure = WixErasure.objects.get()
    assert (erasure.status, erasure.attempts) == ("done", 2)
    assert upstream(wix_server, ANONYMISED_NAME) == [
        {"name": ANONYMISED_NAME, "email": "", "phone": ""}
    ]


def test_wix_down_throughout_leaves_the_local_erase_done_and_the_failure_shown(
    client, wix_server, owner, ada, django_capture_on_commit_callbacks
):
    runs = tasks.ERASURE_RETRY["max_retries"] + 1
    wix_server.script(*[503] * 2 * runs, path=PATH)  # two attempts per run, every run
    client.force_login(owner.user)

    with django_capture_on_commit_callbacks() as queued:  # the page's erase, as the owner
        response = client.post(reverse("customers:erase", args=[ada.pk]), {"confirm": "yes"})
    assert run_erasures(queued) == 1

    assert response.status_code == 302
    assert (
        "copies of 1 participation are being erased too"
        in client.get(response["Location"]).content.decode()
    )
    assert not Participation.objects.filter(name="Ada").exists()  # erased here all the same
    assert upstream(wix_server, "Ada") == [
        {"name": "Ada", "email": "ada@example.com", "phone": "0151 1"}
    ]
    erasure = WixErasure.objects.get()
    assert erasure.status == "failed"
    assert erasure.attempts == runs
    assert "503" in erasure.error
    page = client.get(reverse("wix:health")).content.decode()
    assert f'id="erasure-{erasure.pk}"' in page
    assert "<strong>1</strong> failed" in page

    # Wix is back: the owner presses Retry
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("wix:erasure_retry", args=[erasure.pk]))
    assert run_erasures(queued) == 1

    assert response.status_code == 302
    erasure.refresh_from_db()
    assert erasure.status == "done"
    assert upstream(wix_server, "Ada") == []


def test_a_refusal_fails_at_once_with_wix_s_reason(
    wix_server, owner, ada, django_capture_on_commit_callbacks
):
    wix_server.script(400, path=PATH)

    erase(owner, ada, django_capture_on_commit_callbacks)

    erasure = WixErasure.objects.get()
    assert (erasure.status, erasure.attempts) == ("failed", 1)
    assert "Scripted 400" in erasure.error
    assert Participation.objects.get(pk=erasure.participation_id).name == ANONYMISED_NAME


def test_a_copy_changed_in_wix_since_is_read_again_and_blanked(
    wix_server, owner, ada, django_capture_on_commit_callbacks
):
    pid = PersonLink.objects.filter(person=ada).values_list("participation_id", flat=True)[0]
    wix_server.update_participation(pid, partySize=2)  # not applied here yet: a newer revision

    erase(owner, ada, django_capture_on_commit_callbacks)

    assert WixErasure.objects.get().status == "done"
    assert wix_server.participations[pid]["participant"]["name"] == ANONYMISED_NAME
    assert wix_server.participations[pid]["partySize"] == 2


def test_a_later_copy_still_naming_her_does_not_bring_her_back(
    wix_server, owner, ada, django_capture_on_commit_callbacks
):
    pid = PersonLink.objects.filter(person=ada).values_list("participation_id", flat=True)[0]
    wix_server.script(400, path=PATH)
    erase(owner, ada, django_capture_on_commit_callbacks)
    newer = wix_server.update_participation(pid, status="PENDING_CONFIRMATION")  # still Ada

    apply_remote_participation(
        connection=owner.business.wix_connection, data=newer, source="webhook"
    )

    row = Participation.objects.get(pk=pid)
    assert (row.name, row.email, row.phone) == (ANONYMISED_NAME, "", "")
    assert row.status == "PENDING_CONFIRMATION"  # the rest of the change applies
    assert not Person.objects.filter(name="Ada").exists()


def test_the_beat_requeues_an_erasure_whose_task_was_lost(
    wix_server, owner, ada, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():  # committed; its task is lost
        customer_services.erase_person(actor=owner, person=ada)
    erasure = WixErasure.objects.get()
    WixErasure.objects.filter(pk=erasure.pk).update(
        created_date=erasure.created_date - tasks.ERASURE_STALLED_AFTER - timedelta(minutes=1)
    )

    with django_capture_on_commit_callbacks() as queued:
        assert tasks.requeue_stalled_erasures() == 1
    assert run_erasures(queued) == 1

    assert WixErasure.objects.get().status == "done"


def test_a_done_erasure_is_not_sent_again(
    wix_server, owner, ada, django_capture_on_commit_callbacks
):
    erase(owner, ada, django_capture_on_commit_callbacks)
    erasure = WixErasure.objects.get()

    assert not wix_services.retry_erasure(failed=erasure)
    assert tasks.erase_participation.apply(args=[erasure.pk]).get() == "done"
    assert len(patches(wix_server)) == 1


def test_another_business_s_erasure_cannot_be_retried(client, wix_server, owner):
    theirs = WixConnectionFactory()
    failed = WixErasure.objects.create(
        connection=theirs,
        participation=ParticipationFactory(event__schedule__business=theirs.business),
        status=WixErasure.Status.FAILED,
    )
    client.force_login(owner.user)

    response = client.post(reverse("wix:erasure_retry", args=[failed.pk]))

    assert response.status_code == 404
    failed.refresh_from_db()
    assert failed.status == "failed"
