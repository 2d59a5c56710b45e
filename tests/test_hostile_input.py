"""Every URL and every form, fed bad values as an owner and as staff: never a 500, and a
rejected request leaves the stored data exactly as it was.

URLs come from the URLconf and form field names from the pages themselves, so URLs and forms
added later are walked too. Values are sampled per kind (NUL bytes, out-of-range and malformed
dates, 100k-character strings, RTL text, negative and huge numbers, forged and tampered cursors,
duplicated and missing fields), not crossed with each other, to keep the walk fast.
"""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.apps import apps
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from calendar_app.selectors import CURSOR_SALT
from participants.customers.models import Person
from participants.customers.services import sync_directory
from participants.models import Participation
from tests.factories import (
    BulkOperationFactory,
    EventFactory,
    ParticipationFactory,
    ResourceFactory,
)

pytestmark = pytest.mark.django_db

SKIPPED_NAMESPACES = {"admin"}
LONG = "x" * 100_000
FORGED_CURSOR = signing.dumps(
    {
        "from": "2026-01-01T00:00:00",
        "to": "2026-02-01T00:00:00",
        "tz": "Europe/Berlin",
        "rt": ["NONE"],
        "filter": {},
        "sort": ["business__memberships__user__password", "ASC"],
        "limit": 0,
        "after": ["x", 1],
    },
    salt=CURSOR_SALT,
    compress=True,
)
BAD_VALUES = [
    "a\x00b",
    "0001-01-01",
    "9999-12-31T23:59",
    "2026-02-30",
    "1000-01-06",
    LONG,
    "\u202eدرس يوغا \u05e9\u05dc\u05d5\u05dd",
    "-1",
    "99999999999999999999999",
    "",
    FORGED_CURSOR,
    FORGED_CURSOR[:-3] + "abc",
    "{'$where': 1}",
]
# Fields every form may get even when no page shows them (a forged or stale request).
ALWAYS_SENT = {"revision", "series_revision", "cursor", "after", "date", "q", "start"}
UNWATCHED_APPS = {"sessions", "admin", "contenttypes", "axes"}
REFUSAL_COUNTERS = {"wix_health.IntakeRejection", "magicline.MagiclineIntakeRefusal"}
NAME_ATTRIBUTE = re.compile(r'name="([a-z_]+)"')


def url_patterns():
    """(namespaced name, kwarg names) of every URL of the project's own apps."""
    found = []

    def walk(entries, namespace):
        for entry in entries:
            if isinstance(entry, URLResolver):
                if entry.namespace in SKIPPED_NAMESPACES:
                    continue
                inner = ":".join(filter(None, [namespace, entry.namespace]))
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                found.append((name, sorted(entry.pattern.converters)))

    walk(get_resolver().url_patterns, "")
    return found


PATTERNS = url_patterns()


@pytest.fixture
def ours(business, schedule, series, owner_membership):
    """One object of each kind the URLs name, all of the signed-in users' business."""
    one_off = EventFactory(schedule=schedule, total_capacity=5)
    participation = ParticipationFactory(event=one_off, business=business, phone="+49 30 1234")
    ResourceFactory(business=business)
    sync_directory(business=business)
    return {
        "person_id": str(Person.objects.filter(business=business).first().pk),
        "event_id": one_off.pk,
        "participation_id": participation.pk,
        "membership_id": owner_membership.pk,
        "schedule_id": schedule.pk,
        "operation_id": str(BulkOperationFactory(schedule__business=business).pk),
        "view": "week",
    }


def snapshot() -> str:
    """A fingerprint of every row of every table of the project's apps and of auth, in one query.

    Sessions are left out, and so are the counters of refusals (django-axes's failed logins,
    the refused webhook bodies): counting a refusal is what a refusal is meant to store.
    """
    tables = [
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in UNWATCHED_APPS and model._meta.label not in REFUSAL_COUNTERS
    ]
    parts = [
        f"(SELECT coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '') "
        f"FROM {connection.ops.quote_name(table)} t)"
        for table in sorted(set(tables))
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT md5({' || '.join(parts)})")
        return cursor.fetchone()[0]


def url_with(name: str, kwarg_names: list[str], ids: dict) -> str:
    return reverse(name, kwargs={k: ids.get(k, "1") for k in kwarg_names})


def bad_path(name: str, kwarg_names: list[str], bad: str) -> str:
    """The URL with every id replaced by ``bad``, even where the pattern takes only digits."""
    placeholder = "987654321"
    url = reverse(name, kwargs=dict.fromkeys(kwarg_names, placeholder))
    return url.replace(placeholder, quote(bad, safe=""))


def chunks(names: set[str], size: int) -> list[list[str]]:
    ordered = sorted(names)
    return [ordered[start : start + size] for start in range(0, len(ordered), size)]


def field_names(client: Client, urls: list[str]) -> set[str]:
    """The names of every input the pages show, and those any form might be sent."""
    names = set(ALWAYS_SENT)
    for url in urls:
        response = client.get(url)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            names.update(NAME_ATTRIBUTE.findall(response.content.decode()))
    return names - {"csrfmiddlewaretoken", "next"}


def valid_form(ours: dict) -> dict:
    """A form that passes every field's checks, so a single bad value reaches the services."""
    day = (timezone.localdate() + timedelta(days=9)).isoformat()
    return {
        "title": "Yoga",
        "name": "Yoga",
        "date": day,
        "start_time": "09:00",
        "end_time": "10:00",
        "party_size": "1",
        "status": "CONFIRMED",
        "schedule": ours["schedule_id"],
        "type": "CLASS",
        "revision": "1",
        "capacity": "5",
        "interval": "1",
    }


def targeted_forms(ours: dict) -> list[dict]:
    """Valid forms with one value out of bounds: a series from long ago, huge numbers."""
    base = valid_form(ours)
    return [
        {**base, "date": "1000-01-06", "repeat_weekly": "on", "days": ["MONDAY", "TUESDAY"]},
        {**base, "date": "1899-12-31"},
        {**base, "until": "3000-01-01", "repeat_weekly": "on"},
        {**base, "capacity": "99999999999999999999"},
        {**base, "party_size": "-5"},
        {**base, "revision": "99999999999999999999999"},
        {**base, "guest_url": "javascript:alert(1)"},
        {},  # every field missing
        {key: [value, "other"] for key, value in base.items()},  # every field twice
    ]


@pytest.mark.parametrize("role", ["owner", "staff"])
def test_no_url_answers_500_and_no_rejected_request_changes_stored_data(
    request, ours, role, settings
):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    user = request.getfixturevalue(role)
    client.force_login(user)
    urls = [url_with(name, kwargs, ours) for name, kwargs in PATTERNS]
    names = field_names(client, urls)
    failures = []
    before = snapshot()
    logout_url = reverse("logout")

    def send(method: str, url: str, data: dict, htmx: bool) -> None:
        nonlocal before
        headers = {"HX-Request": "true"} if htmx else {}
        response = getattr(client, method)(url, data, headers=headers)
        if response.status_code >= 500:
            failures.append((method, url[:120], str(data)[:120], htmx, response.status_code))
        if url == logout_url:
            client.force_login(user)
            before = snapshot()
        elif method == "post":
            after = snapshot()
            if response.status_code >= 400 and after != before:
                failures.append((method, url[:120], str(data)[:120], htmx, "changed data"))
            before = after

    # Each URL gets half the values as owner and the other half as staff, alternately plain
    # and HTMX: every value reaches every URL once, and each role walks every URL.
    turn = 0 if role == "owner" else 1
    for index, (name, kwarg_names) in enumerate(PATTERNS):
        url = urls[index]
        for number, bad in enumerate(BAD_VALUES):
            if (index + number + turn) % 2:
                continue
            htmx = (number // 2) % 2 == 0
            if kwarg_names and bad:
                send("get", bad_path(name, kwarg_names, bad), {}, htmx)
            # 100k characters in every field at once would be refused as too big a request.
            for fields in chunks(names, 20) if bad is LONG else [names]:
                send("get", url, dict.fromkeys(fields, bad), htmx)
                send("post", url, dict.fromkeys(fields, bad), htmx)
        for number, form in enumerate(targeted_forms(ours)):
            if (index + number + turn) % 2 == 0:
                send("post", url, form, (number // 2) % 2 == 0)

    assert failures == []


def test_the_walk_covers_the_dashboard_and_finds_its_forms(owner_client, ours):
    names = {name for name, _ in PATTERNS}
    urls = [url_with(name, kwargs, ours) for name, kwargs in PATTERNS]

    found = field_names(owner_client, urls)

    assert {"calendar_app:event_edit", "participants:add", "login"} <= names
    assert {"title", "party_size", "until", "days", "username", "password"} <= found


def test_the_fingerprint_sees_a_changed_row(ours):
    before = snapshot()
    Participation.objects.filter(pk=ours["participation_id"]).update(notes="changed")

    assert snapshot() != before
