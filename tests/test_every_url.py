"""Every dashboard URL, found from the URLconf: login required, other tenants' ids are a 404.

New URLs join these tests by themselves; a URL taking an id kind not listed in ``ID_KWARGS``
fails the test until it is added, so no page escapes the isolation check.
"""

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bookings.magicline.models import MagiclineWebhookDelivery
from calendar_app.notifications.models import Message
from calendar_app.wix.models import WebhookDelivery, WixErasure
from participants.customers.models import Person
from participants.customers.services import sync_directory
from tests.factories import (
    ApiKeyFactory,
    BulkOperationFactory,
    CalendarFeedFactory,
    EventFactory,
    MagiclineConnectionFactory,
    MagiclineInstructorFactory,
    MembershipFactory,
    ParticipationFactory,
    ScheduleFactory,
    WebhookSubscriptionFactory,
    WixConnectionFactory,
)

pytestmark = pytest.mark.django_db

DASHBOARD_APPS = (
    "calendar_app",
    "participants",
    "wix",
    "feeds",
    "api_settings",
    "magicline",
    "conferencing",
    "notifications",
    "reports",
    "customers",
)
# URL kwargs that name an object of a business (filled with the other business's ids).
ID_KWARGS = {
    "event_id",
    "participation_id",
    "membership_id",
    "schedule_id",
    "delivery_id",
    "erasure_id",
    "feed_id",
    "key_id",
    "subscription_id",
    "instructor_id",
    "operation_id",
    "message_id",
    "person_id",
}
NON_ID_KWARGS = {"view": "week", "kind": "reminder"}


def dashboard_patterns():
    """(namespaced name, kwarg names) of every URL of the dashboard apps."""
    found = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in DASHBOARD_APPS:
            for pattern in entry.url_patterns:
                assert isinstance(pattern, URLPattern)
                found.append(
                    (f"{entry.namespace}:{pattern.name}", sorted(pattern.pattern.converters))
                )
    return found


PATTERNS = dashboard_patterns()


@pytest.fixture
def theirs(other_business):
    """One object of each kind, all belonging to the other business (``namespace:kwarg`` where
    one app's id names another kind of object)."""
    participation = ParticipationFactory(event__schedule=ScheduleFactory(business=other_business))
    membership = MembershipFactory(business=other_business, role="staff")
    wix = WixConnectionFactory(business=other_business)
    delivery = WebhookDelivery.objects.create(
        connection=wix,
        delivery_id="theirs",
        entity_fqdn="wix.calendar.v3.events_view",
        slug="projection_updated",
        payload={},
        status=WebhookDelivery.Status.FAILED,
    )
    magicline = MagiclineConnectionFactory(business=other_business)
    magicline_delivery = MagiclineWebhookDelivery.objects.create(
        connection=magicline,
        uuid="theirs",
        entity_id=1,
        status=MagiclineWebhookDelivery.Status.FAILED,
    )
    sync_directory(business=other_business)
    return {
        "person_id": Person.objects.get(business=other_business).pk,
        "delivery_id": delivery.pk,
        "erasure_id": WixErasure.objects.create(
            connection=wix, participation=participation, status=WixErasure.Status.FAILED
        ).pk,
        "magicline:delivery_id": magicline_delivery.pk,
        "instructor_id": MagiclineInstructorFactory(connection=magicline).pk,
        "event_id": participation.event.pk,
        "participation_id": participation.pk,
        "membership_id": membership.pk,
        "schedule_id": participation.event.schedule_id,
        "feed_id": CalendarFeedFactory(schedule=participation.event.schedule).pk,
        "key_id": ApiKeyFactory(business=other_business).pk,
        "subscription_id": WebhookSubscriptionFactory(business=other_business).pk,
        "operation_id": BulkOperationFactory(schedule__business=other_business).pk,
        "message_id": Message.objects.create(
            business=other_business,
            recipient_key=participation.pk,
            kind=Message.Kind.CANCELLED,
            event_id=participation.event.pk,
            occurrence=participation.event.start_local_date,
            subject="theirs",
            state=Message.State.FAILED,
            message_id="<theirs@dashboard>",
        ).pk,
    }


def url_for(name: str, kwarg_names: list[str], ids: dict) -> str:
    unknown = set(kwarg_names) - ID_KWARGS - set(NON_ID_KWARGS)
    assert not unknown, f"{name} takes {unknown}: add them to this test"
    namespace = name.split(":")[0]
    kwargs = {
        k: ids.get(f"{namespace}:{k}", ids[k]) if k in ID_KWARGS else NON_ID_KWARGS[k]
        for k in kwarg_names
    }
    return reverse(name, kwargs=kwargs)


def test_the_dashboard_has_urls_to_check():
    assert len(PATTERNS) >= 15


@pytest.mark.parametrize(("name", "kwarg_names"), PATTERNS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_url_sends_anonymous_visitors_to_log_in(client, theirs, name, kwarg_names, method):
    url = url_for(name, kwarg_names, theirs)

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse(settings.LOGIN_URL)}?next=")


@pytest.mark.parametrize(
    ("name", "kwarg_names"), [(n, k) for n, k in PATTERNS if set(k) & ID_KWARGS]
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_business_s_ids_are_a_404_for_an_owner(
    owner_client, theirs, name, kwarg_names, method
):
    url = url_for(name, kwarg_names, theirs)

    response = getattr(owner_client, method)(url, {"revision": 1, "party_size": 1, "name": "X"})

    assert response.status_code in (404, 405)
    if response.status_code == 405:  # a GET-only or POST-only URL: try the method it accepts
        other = "post" if method == "get" else "get"
        assert getattr(owner_client, other)(url).status_code == 404


def test_ids_of_our_own_event_under_their_event_are_a_404(owner_client, schedule, theirs):
    """A participation id is only found under its own event, not under another's."""
    ours = ParticipationFactory(event=EventFactory(schedule=schedule))

    url = reverse(
        "participants:edit", kwargs={"event_id": theirs["event_id"], "participation_id": ours.pk}
    )

    assert owner_client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("calendar_app:home", 302),  # to this week
        ("calendar_app:calendar", 200),
        ("calendar_app:event_detail", 200),
        ("calendar_app:schedules", 200),
        ("feeds:subscribe", 200),
    ],
)
def test_pages_that_only_show_something_answer_get_and_head_only(
    owner_client, schedule, name, shown
):
    ours = {"event_id": EventFactory(schedule=schedule).pk}
    url = url_for(name, dict(PATTERNS)[name], ours)

    assert owner_client.get(url).status_code == shown
    assert owner_client.head(url).status_code == shown
    for method in ("post", "put", "patch", "delete"):
        assert getattr(owner_client, method)(url).status_code == 405, method
