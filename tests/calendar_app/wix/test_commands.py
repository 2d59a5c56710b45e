"""manage.py connect_wix and export_events."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from calendar_app.models import Event
from calendar_app.tenancy.models import Business
from calendar_app.wix.apply import apply_remote_event
from calendar_app.wix.models import WixConnection
from tests.factories import (
    BusinessFactory,
    EventFactory,
    EventResourceFactory,
    WixConnectionFactory,
    days_ahead_at_ten,
)

pytestmark = pytest.mark.django_db


def pem_of(private_key) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture
def public_key_file(tmp_path):
    path = tmp_path / "wix.pem"
    path.write_text(pem_of(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    return path


def connect(wix_server, key_file, business="demo", **overrides):
    out = StringIO()
    options = {
        "business": business,
        "base_url": wix_server.base_url,
        "api_key": wix_server.api_key,
        "site_id": wix_server.site_id,
        "instance_id": "instance-42",
        "public_key_file": str(key_file),
        **overrides,
    }
    call_command(
        "connect_wix", *[f"--{k.replace('_', '-')}={v}" for k, v in options.items()], stdout=out
    )
    return out.getvalue()


def test_connect_wix_connects_backfills_and_prints_progress(wix_server, public_key_file, business):
    schedule = wix_server.add_schedule(name="Yoga")
    start = days_ahead_at_ten(1)
    wix_server.add_event(
        schedule_id=schedule["id"], start_local=start, end_local=start + timedelta(hours=1)
    )

    output = connect(wix_server, public_key_file)

    connection = WixConnection.objects.get(business=business)
    assert connection.instance_id == "instance-42"
    assert Business.objects.get(pk=business.pk).backend == "wix"
    assert Event.objects.filter(business=business).count() == 1
    assert "days of the window covered" in output
    assert "Backfill done" in output
    assert wix_server.api_key not in output
    assert connection.masked_api_key in output


def test_connect_wix_refuses_an_unknown_business(wix_server, public_key_file, db):
    with pytest.raises(CommandError, match="No business has the slug"):
        connect(wix_server, public_key_file, business="nope")


def test_connect_wix_refuses_a_key_that_is_not_rsa(wix_server, tmp_path, business):
    path = tmp_path / "ec.pem"
    path.write_text(pem_of(ec.generate_private_key(ec.SECP256R1())))

    with pytest.raises(CommandError, match="RSA public key"):
        connect(wix_server, path)
    assert not WixConnection.objects.exists()
    assert Business.objects.get(pk=business.pk).backend == "local"


def test_connect_wix_fails_when_the_upstream_refuses(wix_server, public_key_file, business):
    with pytest.raises(CommandError, match="refused the credentials"):
        connect(wix_server, public_key_file, api_key="IST.wrong")
    assert WixConnection.objects.get().backfill_status == "failed"


def test_export_events_prints_the_spec_event_shape(business):
    event = EventFactory(schedule__business=business, title="Morning yoga")
    EventResourceFactory(event=event, resource__name="Anna")
    out = StringIO()

    call_command("export_events", "--business", business.slug, stdout=out)

    [exported] = json.loads(out.getvalue())
    assert exported["id"] == event.pk
    assert exported["title"] == "Morning yoga"
    assert exported["revision"] == "1"
    assert exported["start"] == {
        "localDate": "2026-06-01T09:00:00",
        "timeZone": "Europe/Berlin",
        "utcDate": "2026-06-01T07:00:00.000Z",
    }
    assert exported["resources"][0]["name"] == "Anna"
    assert "removedDate" not in exported


def test_export_events_includes_removed_rows_only_when_asked():
    connection = WixConnectionFactory()
    apply_remote_event(
        connection=connection, data={"id": "gone", "revision": "3"}, removed=True, source="webhook"
    )
    slug = connection.business.slug
    default, everything = StringIO(), StringIO()

    call_command("export_events", "--business", slug, stdout=default)
    call_command("export_events", "--business", slug, "--include-removed", stdout=everything)

    assert json.loads(default.getvalue()) == []
    [removed] = json.loads(everything.getvalue())
    assert (removed["id"], removed["revision"]) == ("gone", "3")
    assert removed["removedDate"].endswith("Z")


def test_export_events_refuses_an_unknown_business(db):
    BusinessFactory(slug="known")
    with pytest.raises(CommandError):
        call_command("export_events", "--business", "unknown", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_connect_wix_from_the_shell_backfills_in_its_own_process_and_exits_0(
    wix_server, public_key_file, business
):
    """No worker needed: the command runs the backfill itself (never queues the task)."""
    schedule = wix_server.add_schedule(name="Yoga")
    start = days_ahead_at_ten(1)
    wix_server.add_event(
        schedule_id=schedule["id"], start_local=start, end_local=start + timedelta(hours=1)
    )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST']}:{db['PORT']}/"
        f"{db['NAME']}",
        "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing may be queued: an unreachable broker
    }
    command = [
        sys.executable,
        "manage.py",
        "connect_wix",
        "--business=demo",
        f"--base-url={wix_server.base_url}",
        f"--api-key={wix_server.api_key}",
        f"--site-id={wix_server.site_id}",
        "--instance-id=instance-42",
        f"--public-key-file={public_key_file}",
    ]

    answer = subprocess.run(
        command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )

    assert answer.returncode == 0, answer.stderr[-2000:]
    assert "days of the window covered" in answer.stdout
    assert "Backfill done: 1 events" in answer.stdout
    assert wix_server.api_key not in answer.stdout + answer.stderr
    stored = WixConnection.objects.get(business=business)
    assert (stored.backfill_status, stored.backfill_done) == ("done", stored.backfill_total)
    assert Event.objects.filter(business=business).count() == 1
