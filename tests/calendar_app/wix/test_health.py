"""The sync health page of a connection (owners only), its retry and resync buttons, and
``manage.py sync_status`` which prints the same."""

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calendar_app.sync.refusals import count_refusal
from calendar_app.wix.health.models import IntakeRejection, Reconciliation
from calendar_app.wix.models import WebhookDelivery
from tests.factories import MagiclineConnectionFactory, MembershipFactory, WixConnectionFactory

pytestmark = pytest.mark.django_db

HEALTH = reverse("wix:health")
RESYNC = reverse("wix:resync")
BACKFILL = reverse("wix:backfill")


@pytest.fixture
def connection(business):
    return WixConnectionFactory(
        business=business, backfill_status="running", backfill_done=30, backfill_total=120
    )


def delivery(connection, status="received", **fields) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        connection=connection,
        delivery_id=fields.pop("delivery_id", None) or f"d-{WebhookDelivery.objects.count()}",
        entity_fqdn="wix.calendar.v3.events_view",
        slug="projection_updated",
        payload={},
        status=status,
        **fields,
    )


@pytest.fixture
def activity(connection, other_business):
    now = timezone.now()
    delivery(connection, "applied", received_at=now - timedelta(minutes=5))
    delivery(connection, "received", received_at=now - timedelta(seconds=90))
    delivery(connection, "received", received_at=now - timedelta(seconds=80))
    failed = delivery(
        connection,
        "failed",
        received_at=now - timedelta(minutes=3),
        attempts=7,
        error="Calendar service unavailable (503)",
        entity_id="evt-9",
    )
    count_refusal(IntakeRejection, connection_id=connection.pk, reason="signature")
    count_refusal(IntakeRejection, connection_id=connection.pk, reason="signature")
    count_refusal(IntakeRejection, connection_id=None, reason="unknown_instance")
    theirs = WixConnectionFactory(business=other_business)
    count_refusal(IntakeRejection, connection_id=theirs.pk, reason="signature")  # not ours
    Reconciliation.objects.create(
        connection=connection,
        status="done",
        events_read=250,
        repaired=4,
        finished_date=now - timedelta(minutes=30),
    )
    return failed


def test_it_shows_the_sync_health(owner_client, activity):
    response = owner_client.get(HEALTH)

    assert response.status_code == 200
    health = response.context["health"]
    deliveries = health.deliveries
    assert (deliveries.backlog, deliveries.failed, deliveries.applied) == (2, 1, 1)
    assert deliveries.refused_count("rejected-signatures") == 2
    assert deliveries.refused_count("unknown-instances") == 1
    assert deliveries.last_delivery_age < timedelta(seconds=100)
    assert health.last_reconciliation.repaired == 4
    assert health.backfill.percent_done == 25
    page = response.content.decode()
    assert "Calendar service unavailable (503)" in page
    assert reverse("wix:delivery_retry", args=[activity.pk]) in page
    assert 'value="25"' in page  # the backfill's progress bar
    assert "<strong>4</strong> rows repaired" in page


@pytest.mark.parametrize("status", ["queued", "running"])
def test_it_polls_while_the_backfill_runs_and_stops_when_done(owner_client, connection, status):
    connection.backfill_status = status
    connection.save()
    page = owner_client.get(HEALTH).content.decode()
    assert 'hx-trigger="every 1500ms"' in page
    assert f'hx-get="{HEALTH}"' in page
    assert "disabled>Run the backfill again" in page

    connection.backfill_status = "done"
    connection.save()

    fragment = owner_client.get(HEALTH, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment  # the poll's last answer stops it
    assert 'value="100"' in fragment


def test_it_polls_while_a_resync_runs(owner_client, connection):
    connection.backfill_status = "done"
    connection.save()
    Reconciliation.objects.create(
        connection=connection,
        status="running",
        window_start=timezone.now() - timedelta(days=30),
        window_end=timezone.now() + timedelta(days=90),
        reached_date=timezone.now(),
    )

    page = owner_client.get(HEALTH).content.decode()

    assert 'hx-trigger="every 1500ms"' in page
    assert '<p id="resync-progress">25% of the window read' in page
    assert "disabled>Resync now" in page


def test_run_the_backfill_again_queues_one(
    owner_client, connection, django_capture_on_commit_callbacks
):
    connection.backfill_status = "failed"
    connection.save()

    with django_capture_on_commit_callbacks() as queued:
        response = owner_client.post(BACKFILL, headers={"HX-Request": "true"})
        again = owner_client.post(BACKFILL, headers={"HX-Request": "true"})

    assert "The backfill runs in the background" in response.content.decode()
    assert "A backfill is already running" in again.content.decode()
    assert len(queued) == 1
    connection.refresh_from_db()
    assert connection.backfill_status == "queued"


def test_staff_may_not_run_the_backfill(staff_client, connection):
    assert staff_client.post(BACKFILL).status_code == 403


def test_an_htmx_request_gets_the_health_fragment(owner_client, connection):
    response = owner_client.get(HEALTH, headers={"HX-Request": "true"})

    assert response.content.decode().lstrip().startswith('<section id="health"')


def test_it_takes_a_constant_number_of_queries(owner_client, activity, connection):
    owner_client.get(HEALTH)
    with CaptureQueriesContext(db) as few:
        owner_client.get(HEALTH)
    for _ in range(40):
        delivery(connection, "failed", error="boom")
    with CaptureQueriesContext(db) as many:
        owner_client.get(HEALTH)

    assert len(many) == len(few) <= 11  # +1: the erasures on their way to Wix


def test_it_leads_to_the_magicline_health_of_a_business_with_both(
    owner_client, business, connection
):
    magicline_health = reverse("magicline:health")
    assert magicline_health not in owner_client.get(HEALTH).content.decode()

    MagiclineConnectionFactory(business=business)

    assert magicline_health in owner_client.get(HEALTH).content.decode()


def test_staff_may_not_see_it(staff_client, connection):
    assert staff_client.get(HEALTH).status_code == 403


def test_a_business_without_a_connection_has_no_health_page(owner_client):
    assert owner_client.get(HEALTH).status_code == 404


def test_retry_queues_a_failed_delivery_again(
    owner_client, activity, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = owner_client.post(reverse("wix:delivery_retry", args=[activity.pk]))

    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == "received"
    assert len(queued) == 1


def test_retry_answers_htmx_with_the_fragment_and_a_notice(owner_client, activity):
    response = owner_client.post(
        reverse("wix:delivery_retry", args=[activity.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "queued again" in response.content.decode()


def test_another_business_s_delivery_is_a_404(owner_client, connection, other_business):
    theirs = delivery(WixConnectionFactory(business=other_business), "failed")

    response = owner_client.post(reverse("wix:delivery_retry", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "failed"


def test_a_delivery_that_did_not_fail_cannot_be_retried(owner_client, connection):
    applied = delivery(connection, "applied")
    waiting = delivery(connection, "received")  # its task is still coming

    assert owner_client.post(reverse("wix:delivery_retry", args=[applied.pk])).status_code == 404
    assert owner_client.post(reverse("wix:delivery_retry", args=[waiting.pk])).status_code == 404


def test_a_stalled_delivery_is_shown_and_retried(
    owner_client, connection, django_capture_on_commit_callbacks
):
    stalled = delivery(connection, "received", received_at=timezone.now() - timedelta(hours=1))

    page = owner_client.get(HEALTH)
    with django_capture_on_commit_callbacks() as queued:
        response = owner_client.post(reverse("wix:delivery_retry", args=[stalled.pk]))

    assert [f.pk for f in page.context["health"].deliveries.failures] == [stalled.pk]
    assert "<strong>Stalled.</strong>" in page.content.decode()
    assert response.status_code == 302
    assert len(queued) == 1


def test_resync_now_queues_one_reconciliation_at_a_time(
    owner_client, connection, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        first = owner_client.post(RESYNC, headers={"HX-Request": "true"})
        second = owner_client.post(RESYNC, headers={"HX-Request": "true"})

    assert "Resync started" in first.content.decode()
    assert "already running" in second.content.decode()
    run = Reconciliation.objects.get()
    assert (run.status, run.requested_by_user) == ("queued", True)
    assert len(queued) == 1
    assert 'aria-label="Resync progress"' in second.content.decode()


def test_resync_without_javascript_redirects_to_the_page(owner_client, connection):
    response = owner_client.post(RESYNC)

    assert response.status_code == 302
    assert response["Location"] == HEALTH


def test_staff_may_not_resync(staff_client, connection):
    assert staff_client.post(RESYNC).status_code == 403
    assert not Reconciliation.objects.exists()


def test_sync_status_prints_the_same_figures(activity, connection, capsys):
    call_command("sync_status", business=connection.business.slug)

    out = capsys.readouterr().out
    assert "backlog:              2 stored" in out
    assert "failed:               1" in out
    assert "rejected signatures:  2" in out
    assert "4 repaired" in out
    assert "Calendar service unavailable (503)" in out


def test_sync_status_json_has_the_figures_a_machine_needs(activity, connection, capsys):
    call_command("sync_status", business=connection.business.slug, as_json=True)

    status = json.loads(capsys.readouterr().out)
    assert status["backlog"] == 2
    assert status["failed"] == 1
    assert status["last_delivery"].startswith(str(timezone.now().year))
    assert status["last_reconciliation"]["repaired"] == 4
    assert status["failures"][0]["error"] == "Calendar service unavailable (503)"
    assert status["backfill"]["percent_done"] == 25


def test_sync_status_json_keys_are_there_before_anything_happened(connection, capsys):
    """The four figures a monitor reads are always present, null or 0 when nothing happened;
    the command line flags are the documented ones."""
    call_command("sync_status", "--business", connection.business.slug, "--json")

    status = json.loads(capsys.readouterr().out)
    assert {key: status[key] for key in ("backlog", "failed", "last_delivery")} == {
        "backlog": 0,
        "failed": 0,
        "last_delivery": None,
    }
    assert status["last_reconciliation"] is None
    assert status["last_delivery_age_seconds"] is None
    assert (status["rejected_signatures"], status["unknown_instances"]) == (0, 0)


def test_sync_status_json_dates_are_the_stored_instants(activity, connection, capsys):
    latest = WebhookDelivery.objects.filter(connection=connection).latest("received_at")
    run = Reconciliation.objects.get(connection=connection)

    call_command("sync_status", "--business", connection.business.slug, "--json")

    status = json.loads(capsys.readouterr().out)
    assert status["last_delivery"] == latest.received_at.isoformat()
    assert 80 <= status["last_delivery_age_seconds"] < 120
    assert status["last_reconciliation"]["status"] == "done"
    assert status["last_reconciliation"]["finished_date"] == run.finished_date.isoformat()
    assert (status["rejected_signatures"], status["unknown_instances"]) == (2, 1)


def test_sync_status_names_an_unknown_business():
    with pytest.raises(CommandError, match="No business has the slug 'nope'"):
        call_command("sync_status", business="nope")


def test_sync_status_says_when_a_business_is_local(business):
    with pytest.raises(CommandError, match="not connected to Wix"):
        call_command("sync_status", business=business.slug)


def test_the_unknown_instance_counter_is_shared_by_every_connection(connection, other_business):
    count_refusal(IntakeRejection, connection_id=None, reason="unknown_instance")
    count_refusal(IntakeRejection, connection_id=None, reason="unknown_instance")

    assert IntakeRejection.objects.get(connection=None).count == 2


def test_an_owner_of_two_businesses_sees_the_connection_of_the_current_one(
    owner, owner_client, connection, other_business
):
    MembershipFactory(business=other_business, user=owner, role="owner")

    assert owner_client.get(HEALTH).context["health"].instance_id == connection.instance_id
