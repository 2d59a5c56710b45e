"""The settings hub: one page linking each settings section with its status in one line."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.magicline.models import MagiclineWebhookDelivery
from calendar_app.wix.models import WebhookDelivery
from tests.factories import (
    ApiKeyFactory,
    CalendarFeedFactory,
    ConferencingAutomationFactory,
    MagiclineConnectionFactory,
    ResourceFactory,
    ScheduleFactory,
    WebhookSubscriptionFactory,
    WixConnectionFactory,
)

pytestmark = pytest.mark.django_db

HUB = reverse("calendar_app:settings")
SECTIONS = [
    "Reports",
    "Team",
    "Resources",
    "Subscribe",
    "Notifications",
    "Outbox",
    "Wix",
    "Magicline",
    "API",
    "Conferencing",
]


def wix_delivery(wix, minutes_ago: int, n: int = 0) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        connection=wix,
        delivery_id=f"delivery-{wix.pk}-{n}",
        entity_fqdn="wix.calendar.v3.event",
        slug="updated",
        payload={},
        received_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def magicline_delivery(magicline, minutes_ago: int, n: int = 0) -> MagiclineWebhookDelivery:
    return MagiclineWebhookDelivery.objects.create(
        connection=magicline,
        uuid=f"uuid-{magicline.pk}-{n}",
        entity_id=n,
        received_date=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_an_owner_sees_every_section_in_order_each_linked_with_its_status(owner_client):
    response = owner_client.get(HUB)

    content = response.content.decode()
    assert [section.name for section, _ in response.context["rows"]] == SECTIONS
    for section, status in response.context["rows"]:
        assert f'<a href="{section.url}">{section.name}</a>' in content
        assert status and "\n" not in status
    assert '<span class="muted">: not connected</span>' in content


def test_staff_see_only_the_sections_they_may_open(staff_client):
    response = staff_client.get(HUB)

    assert [section.name for section, _ in response.context["rows"]] == ["Subscribe", "Outbox"]
    assert reverse("wix:settings") not in response.content.decode()


def test_an_outsider_sees_only_their_own_business_s_statuses(client, outsider, business):
    wix_delivery(WixConnectionFactory(business=business), minutes_ago=2)
    MagiclineConnectionFactory(business=business)
    client.force_login(outsider)

    response = client.get(HUB)

    statuses = dict((s.name, status) for s, status in response.context["rows"])
    assert statuses["Wix"] == "not connected"
    assert statuses["Magicline"] == "not connected"
    assert "Demo Studio" not in response.content.decode()


def test_wix_reads_not_connected_connected_and_its_last_delivery(owner_client, business):
    def wix_line():
        rows = owner_client.get(HUB).context["rows"]
        return next(status for s, status in rows if s.name == "Wix")

    assert wix_line() == "not connected"
    wix = WixConnectionFactory(business=business)
    assert wix_line() == "connected, no delivery yet"
    wix_delivery(wix, minutes_ago=30, n=1)
    wix_delivery(wix, minutes_ago=2, n=2)
    assert wix_line() == "connected, last delivery 2\xa0minutes ago"


def test_magicline_reads_not_connected_connected_switched_off_and_its_last_delivery(
    owner_client, business
):
    def magicline_line():
        rows = owner_client.get(HUB).context["rows"]
        return next(status for s, status in rows if s.name == "Magicline")

    assert magicline_line() == "not connected"
    magicline = MagiclineConnectionFactory(business=business)
    assert magicline_line() == "connected, no delivery yet"
    magicline_delivery(magicline, minutes_ago=5)
    assert magicline_line() == "connected, last delivery 5\xa0minutes ago"
    magicline.enabled = False
    magicline.save()
    assert magicline_line() == "connected but switched off, last delivery 5\xa0minutes ago"


def test_the_other_sections_count_what_the_business_has(owner_client, business, schedule):
    ResourceFactory(business=business)
    CalendarFeedFactory(schedule=schedule)
    ApiKeyFactory(business=business)
    ConferencingAutomationFactory(schedule=schedule)

    statuses = {s.name: status for s, status in owner_client.get(HUB).context["rows"]}

    assert statuses["Team"] == "1 active member"
    assert statuses["Resources"] == "1 resource"
    assert statuses["Subscribe"] == "1 calendar link"
    assert statuses["Outbox"] == "nothing waiting"
    assert statuses["API"] == "1 active key, 0 webhooks"
    assert statuses["Conferencing"] == "automatic meetings for 1 schedule or service"


def test_the_hub_s_query_count_does_not_grow_with_data(owner_client, business):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(HUB).status_code == 200
        return len(captured)

    wix = WixConnectionFactory(business=business)
    magicline = MagiclineConnectionFactory(business=business)
    few = queries()
    for n in range(5):
        wix_delivery(wix, minutes_ago=n, n=n)
        magicline_delivery(magicline, minutes_ago=n, n=n)
        ResourceFactory(business=business)
        CalendarFeedFactory(schedule=ScheduleFactory(business=business))
        ApiKeyFactory(business=business)
        WebhookSubscriptionFactory(business=business)

    assert queries() == few


def test_the_hub_and_its_sections_are_marked_current_in_the_top_bar(owner_client):
    hub = owner_client.get(HUB).content.decode()
    wix = owner_client.get(reverse("wix:settings")).content.decode()

    settings_link = f'<a href="{HUB}" aria-current="page">Settings</a>'
    assert settings_link in hub
    assert 'class="subnav"' not in hub  # the hub lists the sections itself
    assert settings_link in wix
    assert f'<a href="{reverse("wix:settings")}" aria-current="page">Wix</a>' in wix
    assert f'<a href="{HUB}">All settings</a>' in wix
